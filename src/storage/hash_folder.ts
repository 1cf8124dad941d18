/**
 * Hashing a folder into a folder manifest: its tree is walked (hidden files
 * included, symlinks skipped and never followed, empty files and folders
 * kept, executable bits noted), the entries are sorted by the bytes of
 * their paths, and the files' bytes one after another are hashed in chunks
 * (of the size `chunkSizeFor` gives the folder's total) that may span file
 * boundaries.
 *
 * @module
 */

import { basename, join } from "node:path";
import type { FolderEntry } from "../protocol/messages.ts";
import { checkFolderEntries, compareUtf8 } from "./folder_paths.ts";
import type { HashedFile, HashProgress } from "./hash_file.ts";
import { readFull } from "./hash_file.ts";
import { chunkSizeFor, computeFileId, toHex } from "./manifest.ts";

/** Entries a walk looks at between two chances for other work to run. */
const ENTRIES_PER_YIELD = 1024;

/** Options of {@linkcode hashFolder}. */
export interface HashFolderOptions {
  /** Chunk size; default `chunkSizeFor` the size (see manifest.ts). */
  chunkSize?: number;
  /** Called after each chunk. */
  onProgress?: (progress: HashProgress) => void;
  /** Told of each thing skipped (a symlink, a device), with why. */
  onSkip?: (message: string) => void;
  /** Stops hashing when aborted. */
  signal?: AbortSignal;
}

/**
 * The entries of the tree at `root`, sorted by path bytes, and the newest
 * file modification time. Each folder is listed and its entries looked at
 * with blocking calls (an awaited call each would cost most of the time of
 * a tree of many small files), the event loop let go between folders once
 * {@linkcode ENTRIES_PER_YIELD} entries were looked at.
 */
export async function walkFolder(
  root: string,
  onSkip: (message: string) => void = () => {},
): Promise<{ entries: FolderEntry[]; mtimeMs: number }> {
  const entries: FolderEntry[] = [];
  let mtimeMs = 0;
  let sinceYield = 0;
  async function walk(dir: string, prefix: string): Promise<void> {
    let kept = 0;
    const folders: [string, string][] = [];
    for (const item of Deno.readDirSync(dir)) {
      const path = prefix === "" ? item.name : `${prefix}/${item.name}`;
      const absolute = join(dir, item.name);
      if (item.isSymlink) {
        onSkip(`skipping the symlink ${absolute}: links are not shared`);
        continue;
      }
      const info = Deno.lstatSync(absolute);
      sinceYield++;
      if (info.isDirectory) {
        folders.push([absolute, path]);
      } else if (info.isFile) {
        const executable = ((info.mode ?? 0) & 0o100) !== 0;
        entries.push({ path, kind: executable ? "executable" : "file", size: info.size });
        mtimeMs = Math.max(mtimeMs, info.mtime?.getTime() ?? 0);
      } else {
        onSkip(`skipping ${absolute}: not a regular file or folder`);
        continue;
      }
      kept++;
    }
    if (kept === 0 && prefix !== "") entries.push({ path: prefix, kind: "folder", size: 0 });
    for (const [absolute, path] of folders) {
      if (sinceYield >= ENTRIES_PER_YIELD) {
        sinceYield = 0;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      await walk(absolute, path);
    }
  }
  await walk(root, "");
  entries.sort((a, b) => compareUtf8(a.path, b.path));
  return { entries, mtimeMs };
}

/**
 * Hashes the folder at `root` into a folder manifest named after it. Throws
 * when the tree has a path others would refuse (see folder_paths.ts) or a
 * file changes while it is read.
 */
export async function hashFolder(
  root: string,
  options: HashFolderOptions = {},
): Promise<HashedFile> {
  const { entries, mtimeMs } = await walkFolder(root, options.onSkip);
  checkFolderEntries(entries);
  const size = entries.reduce((sum, entry) => sum + entry.size, 0);
  const chunkSize = options.chunkSize ?? chunkSizeFor(size);
  const buffer = new Uint8Array(chunkSize);
  const hashes: string[] = [];
  let filled = 0;
  let done = 0;
  const flush = async () => {
    const digest = await crypto.subtle.digest("SHA-256", buffer.subarray(0, filled));
    hashes.push(toHex(new Uint8Array(digest)));
    done += filled;
    filled = 0;
    options.onProgress?.({ bytesDone: done, bytesTotal: size });
  };
  for (const entry of entries) {
    if (entry.kind === "folder") continue;
    options.signal?.throwIfAborted();
    const path = join(root, ...entry.path.split("/"));
    const file = await Deno.open(path, { read: true });
    try {
      let left = entry.size;
      while (left > 0) {
        const want = Math.min(left, chunkSize - filled);
        const count = await readFull(file, buffer.subarray(filled, filled + want));
        if (count !== want) throw new Error(`${path} shrank while it was being hashed; try again`);
        filled += count;
        left -= count;
        if (filled === chunkSize) await flush();
      }
      const after = await file.stat();
      if (after.size !== entry.size || (after.mtime?.getTime() ?? 0) > mtimeMs) {
        throw new Error(`${path} changed while it was being hashed; try again once it is stable`);
      }
    } finally {
      file.close();
    }
  }
  if (filled > 0) await flush();
  const content = { size, chunkSize, chunkHashes: hashes, entries };
  return {
    manifest: { name: basename(root), ...content },
    fileId: await computeFileId(content),
    mtimeMs,
  };
}
