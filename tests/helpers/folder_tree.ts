/**
 * What the folder tests share: a tree described file by file, sizes in MiB,
 * and the chunks a rogue peer was asked for.
 *
 * @module
 */

import { join, relative } from "node:path";

/** Bytes in a MiB. */
export const MIB = 1024 * 1024;

/** Every file, folder and link under `root`: path -> what it is, its mode and its bytes' hash. */
export async function describeTree(root: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      const info = await Deno.lstat(path);
      const key = relative(root, path);
      if (info.isSymlink) tree.set(key, "link");
      else if (info.isDirectory) {
        tree.set(key, "folder");
        await walk(path);
      } else {
        const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
        const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"));
        tree.set(key, `file ${(info.mode! & 0o111) !== 0 ? "x" : "-"} ${hex.join("")}`);
      }
    }
  }
  await walk(root);
  return tree;
}

/** The chunk indexes a rogue peer was asked for in `lines` of its output. */
export function askedFor(lines: readonly string[]): number[] {
  return lines.flatMap((line) => {
    const match = /^asked for chunk (\d+)/.exec(line);
    return match ? [Number(match[1])] : [];
  });
}
