/**
 * What `deno task compile` builds and with what: the platforms p2pft is
 * built for and the names of their executables, the permissions baked in,
 * the worker modules and asset folders embedded, and the `deno compile`
 * arguments of one target.
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** One platform `deno compile` can build for. */
export interface Target {
  /** Rust target triple passed to `deno compile --target`. */
  triple: string;
  /** Operating system part of the output name. */
  os: "linux" | "darwin" | "windows";
  /** Architecture part of the output name. */
  arch: "x64" | "arm64";
}

/** Every target built by default, in build order. */
export const TARGETS: readonly Target[] = [
  { triple: "x86_64-unknown-linux-gnu", os: "linux", arch: "x64" },
  { triple: "aarch64-unknown-linux-gnu", os: "linux", arch: "arm64" },
  { triple: "x86_64-apple-darwin", os: "darwin", arch: "x64" },
  { triple: "aarch64-apple-darwin", os: "darwin", arch: "arm64" },
  { triple: "x86_64-pc-windows-msvc", os: "windows", arch: "x64" },
];

/**
 * Permissions baked into the executables: sockets (TCP and mDNS), reading
 * shared files, writing downloads, environment and system facts (network
 * interfaces, hostname). Nothing else: p2pft runs no subprocess and loads no
 * native code.
 */
export const PERMISSION_FLAGS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
];

/** Root of the repository (the folder holding deno.json and main.ts). */
export const REPO_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Entry point of the program, relative to {@linkcode REPO_ROOT}. */
export const ENTRY_POINT = "main.ts";

/** File name of the executable for `target`, e.g. `p2pft-windows-x64.exe`. */
export function outputName(target: Target): string {
  return `p2pft-${target.os}-${target.arch}${target.os === "windows" ? ".exe" : ""}`;
}

/** The target of the machine running this script, or `undefined` if none fits. */
export function hostTarget(): Target | undefined {
  return TARGETS.find((target) => target.triple === Deno.build.target);
}

/**
 * Resolves the values of `--target` (each a triple, a short name such as
 * `linux-x64`, `all` or `host`, possibly comma-separated) to targets, without
 * duplicates. Throws on an unknown name.
 */
export function resolveTargets(values: readonly string[]): Target[] {
  const chosen: Target[] = [];
  const add = (target: Target) => {
    if (!chosen.includes(target)) chosen.push(target);
  };
  const names = values.flatMap((value) => value.split(",")).map((name) => name.trim());
  for (const name of names.length === 0 ? ["all"] : names) {
    if (name === "all") {
      TARGETS.forEach(add);
    } else if (name === "host") {
      const host = hostTarget();
      if (host === undefined) {
        throw new Error(`this machine's target ${Deno.build.target} is not one p2pft builds for`);
      }
      add(host);
    } else {
      const target = TARGETS.find((t) => t.triple === name || `${t.os}-${t.arch}` === name);
      if (target === undefined) {
        const known = TARGETS.map((t) => t.triple).join(", ");
        throw new Error(`unknown target "${name}" (known: all, host, ${known})`);
      }
      add(target);
    }
  }
  return chosen;
}

/**
 * Folders of files the program reads at run time, embedded with
 * `--include`: the peer's web page (`p2pft peer --web`).
 */
export const ASSET_FOLDERS: readonly string[] = ["src/web/page"];

const WORKER_PATTERN =
  /new\s+Worker\s*\(\s*new\s+URL\s*\(\s*(["'])([^"']+)\1\s*,\s*import\.meta\.url\s*\)/g;

/**
 * Finds the worker modules the program starts (`new Worker(new URL("./x.ts",
 * import.meta.url))` in main.ts or src/, tests excluded). `deno compile` does
 * not follow them by itself, so each must be passed with `--include`.
 * Returns paths relative to `root`, sorted.
 */
export async function findWorkerModules(root: string = REPO_ROOT): Promise<string[]> {
  const found = new Set<string>();
  for (const file of [join(root, ENTRY_POINT), ...await listSources(join(root, "src"))]) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    for (const match of text.matchAll(WORKER_PATTERN)) {
      const worker = resolve(dirname(file), match[2]);
      if (await isFile(worker)) found.add(relative(root, worker));
    }
  }
  return [...found].sort();
}

async function listSources(dir: string): Promise<string[]> {
  const files: string[] = [];
  let entries: AsyncIterable<Deno.DirEntry>;
  try {
    entries = Deno.readDir(dir);
    for await (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) files.push(...await listSources(path));
      else if (/\.[mc]?[jt]sx?$/.test(entry.name) && !/[._]test\.[mc]?[jt]sx?$/.test(entry.name)) {
        files.push(path);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** Arguments of `deno` that compile `entry` for `target` into `outFile`. */
export function compileArgs(
  target: Target,
  outFile: string,
  options: { includes: readonly string[]; entry?: string },
): string[] {
  const { includes, entry = ENTRY_POINT } = options;
  return [
    "compile",
    ...PERMISSION_FLAGS,
    ...includes.flatMap((path) => ["--include", path]),
    "--target",
    target.triple,
    "--output",
    outFile,
    entry,
  ];
}
