/**
 * Builds standalone `p2pft` executables with `deno compile`.
 *
 * ```sh
 * deno task compile                          # every target into dist/
 * deno task compile --target host            # only this machine's target
 * deno task compile --target x86_64-pc-windows-msvc --out /tmp/build
 * ```
 *
 * Each target is written as `p2pft-<os>-<arch>[.exe]` (e.g. `p2pft-linux-x64`,
 * `p2pft-windows-x64.exe`) and reported on one line, ok or failed. The exit
 * status is non-zero if any target failed.
 *
 * `deno compile` appends the program to a prebuilt runtime, `denort`, that it
 * downloads once per version and target from Deno's download server and keeps
 * in `$DENO_DIR/dl/`. Without internet access (and no cached copy) that
 * download fails, which this script reports plainly for each target. A local
 * `denort` for the host can be given with the `DENORT_BIN` environment
 * variable; `deno compile` would use it for every target, so this script
 * passes it on for the host target only.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { baseRuntimeMessage, firstErrorLine, isBaseRuntimeFailure } from "./compile_failures.ts";
import {
  ASSET_FOLDERS,
  compileArgs,
  ENTRY_POINT,
  findWorkerModules,
  hostTarget,
  outputName,
  REPO_ROOT,
  resolveTargets,
  type Target,
  TARGETS,
} from "./compile_targets.ts";

/** Default time allowed for one target's `deno compile`, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

/** What happened to one target. */
export interface CompileResult {
  /** The target built. */
  target: Target;
  /** `true` when the executable was written. */
  ok: boolean;
  /** Path of the executable (written only when `ok`). */
  outFile: string;
  /** `true` when the failure was the missing base runtime (denort). */
  baseRuntimeMissing: boolean;
  /** `true` when `deno compile` was stopped at the time limit. */
  timedOut: boolean;
  /** Combined stdout and stderr of `deno compile`. */
  output: string;
  /** One-line report for this target. */
  message: string;
}

/** Options of {@linkcode compileTarget} and {@linkcode compile}. */
export interface CompileOptions {
  /** Folder the executables are written to; created if missing. */
  outDir: string;
  /** Time allowed for one target, in milliseconds. */
  timeoutMs?: number;
  /**
   * Modules and folders passed with `--include` (default: {@linkcode findWorkerModules}
   * and {@linkcode ASSET_FOLDERS}).
   */
  includes?: readonly string[];
  /** Entry module, relative to `cwd` (default: main.ts). */
  entry?: string;
  /** Folder `deno compile` runs in (default: the repository root). */
  cwd?: string;
  /** Extra `deno` arguments placed right after `compile` (e.g. `--no-config`). */
  extraArgs?: readonly string[];
}

/** Runs `deno compile` for one target and reports what happened. Never throws on a failed build. */
export async function compileTarget(
  target: Target,
  options: CompileOptions,
): Promise<CompileResult> {
  const outFile = resolve(options.outDir, outputName(target));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000;
  const includes = options.includes ??
    [...await findWorkerModules(options.cwd ?? REPO_ROOT), ...ASSET_FOLDERS];
  const [command, ...rest] = compileArgs(target, outFile, { includes, entry: options.entry });
  const env: Record<string, string> = { ...Deno.env.toObject(), NO_COLOR: "1" };
  // deno compile takes DENORT_BIN as the base for any --target: keep it to the host.
  if (target.triple !== Deno.build.target) delete env.DENORT_BIN;
  const signal = AbortSignal.timeout(timeoutMs);
  let output = "";
  let success = false;
  try {
    const result = await new Deno.Command(Deno.execPath(), {
      args: [command, ...(options.extraArgs ?? []), ...rest],
      cwd: options.cwd ?? REPO_ROOT,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
    const decoder = new TextDecoder();
    output = decoder.decode(result.stdout) + decoder.decode(result.stderr);
    success = result.success && !signal.aborted;
  } catch (error) {
    output = error instanceof Error ? error.message : String(error);
  }
  const timedOut = signal.aborted;
  const baseRuntimeMissing = !success && isBaseRuntimeFailure(output, timedOut);
  let message: string;
  if (success) {
    const size = (await Deno.stat(outFile)).size;
    message = `ok     ${target.triple} -> ${outFile} (${(size / 2 ** 20).toFixed(1)} MiB)`;
  } else if (baseRuntimeMissing) {
    message = `FAILED ${baseRuntimeMessage(target, firstErrorLine(output))}`;
  } else if (timedOut) {
    message = `FAILED ${target.triple}: deno compile did not finish within ${timeoutMs / 1000} s`;
  } else {
    message = `FAILED ${target.triple}: ${firstErrorLine(output)}`;
  }
  return { target, ok: success, outFile, baseRuntimeMissing, timedOut, output, message };
}

/** Compiles each of `targets` in turn into `options.outDir`, printing one line per target. */
export async function compile(
  targets: readonly Target[],
  options: CompileOptions,
): Promise<CompileResult[]> {
  await Deno.mkdir(options.outDir, { recursive: true });
  const includes = options.includes ?? await findWorkerModules(options.cwd ?? REPO_ROOT);
  const results: CompileResult[] = [];
  for (const target of targets) {
    const result = await compileTarget(target, { ...options, includes });
    console.log(result.message);
    if (!result.ok && !result.baseRuntimeMissing) {
      console.log(result.output.trimEnd().replace(/^/gm, "    "));
    }
    results.push(result);
  }
  return results;
}

/** Outcome of {@linkcode probeCompile}. */
export type ProbeResult =
  | { ok: true }
  | { ok: false; baseRuntimeMissing: boolean; reason: string; output: string };

/**
 * Checks, within `timeoutMs`, whether `deno compile` can build for the host
 * here, by compiling a one-line program in a temporary folder outside the
 * repository. Tells apart a missing base runtime from any other failure.
 */
export async function probeCompile(timeoutMs = 20_000): Promise<ProbeResult> {
  const target = hostTarget();
  if (target === undefined) {
    return {
      ok: false,
      baseRuntimeMissing: false,
      reason: `host target ${Deno.build.target} is not one p2pft builds for`,
      output: "",
    };
  }
  const dir = await Deno.makeTempDir({ prefix: "p2pft_compile_probe_" });
  try {
    await Deno.writeTextFile(join(dir, "probe.ts"), 'console.log("probe");\n');
    const result = await compileTarget(target, {
      outDir: dir,
      timeoutMs,
      includes: [],
      entry: "probe.ts",
      cwd: dir,
      extraArgs: ["--no-config", "--no-lock"],
    });
    if (result.ok) {
      // The runtime base must run the embedded program (a full `deno` given as
      // DENORT_BIN would not: it ignores what is appended to it).
      const run = await new Deno.Command(result.outFile, {
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(timeoutMs),
      }).output();
      const printed = new TextDecoder().decode(run.stdout).trim();
      if (run.success && printed === "probe") return { ok: true };
      const output = printed + new TextDecoder().decode(run.stderr);
      return {
        ok: false,
        baseRuntimeMissing: false,
        reason: `the compiled probe did not print "probe" (is DENORT_BIN a denort binary?)`,
        output,
      };
    }
    return {
      ok: false,
      baseRuntimeMissing: result.baseRuntimeMissing,
      reason: result.timedOut && !result.baseRuntimeMissing
        ? `deno compile did not finish within ${timeoutMs / 1000} s`
        : firstErrorLine(result.output),
      output: result.output,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const USAGE =
  `Usage: deno task compile [--target <triple|short|all|host>]... [--out <dir>] [--timeout <s>]

Builds standalone p2pft executables with deno compile.

  --target   target triple, short name (linux-x64, darwin-arm64, ...), all (default) or host;
             may be repeated or comma-separated
  --out      output folder (default: dist/ in the repository)
  --timeout  seconds allowed per target (default: ${DEFAULT_TIMEOUT_SECONDS})

Targets: ${TARGETS.map((t) => `${t.triple} -> ${outputName(t)}`).join(", ")}`;

async function main(args: string[]): Promise<number> {
  let targets: Target[];
  let outDir: string;
  let timeoutMs: number;
  try {
    const { values } = parseArgs({
      args,
      options: {
        target: { type: "string", multiple: true },
        out: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    targets = resolveTargets(values.target ?? []);
    outDir = resolve(values.out ?? join(REPO_ROOT, "dist"));
    const seconds = Number(values.timeout ?? DEFAULT_TIMEOUT_SECONDS);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new Error(`--timeout must be a positive number of seconds`);
    }
    timeoutMs = seconds * 1000;
  } catch (error) {
    console.error(`compile: ${error instanceof Error ? error.message : String(error)}`);
    console.error(USAGE);
    return 2;
  }
  const includes = await findWorkerModules();
  console.log(
    `compiling ${ENTRY_POINT} with deno ${Deno.version.deno} for ${targets.length} target(s)` +
      (includes.length > 0 ? ` (including ${includes.join(", ")})` : ""),
  );
  const results = await compile(targets, { outDir, timeoutMs, includes });
  const failed = results.filter((result) => !result.ok);
  console.log(`${results.length - failed.length} of ${results.length} target(s) built`);
  if (failed.length > 0 && failed.every((result) => result.baseRuntimeMissing)) {
    console.log(
      "deno compile downloads denort-<target>.zip from dl.deno.land once per deno version " +
        "(cached in $DENO_DIR/dl/); without access, set DENORT_BIN to a local denort " +
        "binary to build the host target",
    );
  }
  return failed.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
