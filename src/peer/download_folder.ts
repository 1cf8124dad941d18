/**
 * The end of a folder's download. Its stream is fetched and verified into a
 * `.part` file like any file's (so resume, swarming and serving partial
 * downloads work unchanged); once whole, the tree is built in a hidden
 * staging folder made new for it (`.p2pft-<id8>.partdir` in the download
 * folder; every folder in it is created by this code and every file created
 * new, so nothing is written through a link), and moved into place under
 * the first free name. A folder that already holds the same tree is found.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { errorMessage, type Logger } from "../log.ts";
import type { Manifest } from "../protocol/messages.ts";
import { FolderLayout, type StreamFile } from "../storage/folder_stream.ts";
import { hashFolder } from "../storage/hash_folder.ts";
import { toHex } from "../storage/manifest.ts";
import type { PartFile } from "../storage/part_file.ts";
import { candidatePaths, pathExists, resolveInside } from "../storage/safe_name.ts";
import { DownloadError } from "./download_failures.ts";

/** Largest piece copied from the stream to a file at once. */
const COPY_PIECE_BYTES = 4 * 1024 * 1024;
/** Files up to this size are cut from one read of the stream; larger ones are copied piecewise. */
const SMALL_FILE_BYTES = 1024 * 1024;
/** Small files written at once while a tree is built. */
const PARALLEL_WRITES = 16;

/** Where a folder goes: `outDir/name` (or `name (1)`, ...). */
export interface FolderPlace {
  outDir: string;
  /** The sanitized folder name. */
  name: string;
  fileId: string;
  manifest: Manifest;
  log: Logger;
}

/** A folder among the candidate paths for `name` in `outDir` that holds the tree `fileId`. */
export async function findPresentFolder(place: FolderPlace): Promise<string | undefined> {
  for (const path of candidatePaths(place.outDir, place.name)) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch {
      return undefined;
    }
    if (!info.isDirectory) continue;
    const hashed = await hashFolder(path, { chunkSize: place.manifest.chunkSize }).catch(() => {
      return undefined;
    });
    if (hashed?.fileId === place.fileId) return path;
  }
  return undefined;
}

/**
 * Builds the tree of the whole, verified stream in `part` in a staging
 * folder, moves it to the first free name and removes the `.part` file;
 * resolves to the folder's path. Throws a {@linkcode DownloadError}, the
 * `.part` file kept.
 */
export async function finishFolder(part: PartFile, place: FolderPlace): Promise<string> {
  const { outDir, name, fileId, log } = place;
  const staging = resolveInside(outDir, `.p2pft-${fileId.slice(0, 8)}.partdir`);
  try {
    await removeStaging(staging);
    await Deno.mkdir(staging, { mode: 0o700 });
    await buildTree(part, staging, place.manifest);
    await Deno.chmod(staging, 0o755);
  } catch (error) {
    throw new DownloadError(`cannot build ${name} in ${outDir}: ${errorMessage(error)}`);
  }
  return await moveToFirstFree(staging, part, { outDir, name, log });
}

/**
 * Copies the bytes of `file` (one file of the folder, its chunks verified
 * in `part`) into a new hidden file in `outDir` (`.p2pft-<id8>-<path8>.partfile`,
 * `path8` from the hash of the file's path, so two files of one folder
 * never share it), moves it to the first free name for `name` and removes
 * the `.part` file; resolves to the final path. Throws a
 * {@linkcode DownloadError}, the `.part` kept.
 */
export async function finishInside(
  part: PartFile,
  place: Omit<FolderPlace, "manifest"> & { file: StreamFile },
): Promise<string> {
  const { outDir, name, fileId, file, log } = place;
  const pathHash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(file.path));
  const path8 = toHex(new Uint8Array(pathHash)).slice(0, 8);
  const staging = resolveInside(outDir, `.p2pft-${fileId.slice(0, 8)}-${path8}.partfile`);
  try {
    await Deno.remove(staging).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await copyOut(part, staging, file);
  } catch (error) {
    throw new DownloadError(`cannot write ${name} in ${outDir}: ${errorMessage(error)}`);
  }
  return await moveToFirstFree(staging, part, { outDir, name, log });
}

/**
 * Renames `staging` to the first free name for `name` in `outDir` and
 * removes `part`; resolves to the final path. Throws a
 * {@linkcode DownloadError} (`staging` removed, `part` kept) when no name is free.
 */
async function moveToFirstFree(
  staging: string,
  part: PartFile,
  place: { outDir: string; name: string; log: Logger },
): Promise<string> {
  const { outDir, name, log } = place;
  for (const path of candidatePaths(outDir, name)) {
    if (await pathExists(path)) continue;
    await Deno.rename(staging, path);
    if (basename(path) !== name) {
      log.warn(`a different ${name} exists in ${outDir}; saved as ${basename(path)}`);
    }
    await part.close();
    await Deno.remove(part.path).catch(() => {});
    return path;
  }
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  throw new DownloadError(`no free name for ${name} in ${outDir}: move some away`);
}

/** Removes a staging folder left by an earlier run, never following a link put in its place. */
async function removeStaging(staging: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(staging);
  } catch {
    return;
  }
  if (!info.isDirectory) {
    throw new Error(`${staging} is in the way and is not a folder this program made: remove it`);
  }
  await Deno.remove(staging, { recursive: true });
}

/**
 * Creates every folder and file of `manifest` under `root` from the stream in
 * `part`. Each folder is made once; small files are cut from one large read
 * of the stream (they lie next to each other in it) and written several at a
 * time, so a tree of many small files costs few reads and little waiting.
 */
async function buildTree(part: PartFile, root: string, manifest: Manifest): Promise<void> {
  const layout = new FolderLayout(manifest.entries ?? []);
  const inside = (path: string) => join(root, ...path.split("/"));
  const folders = new Set([
    ...layout.folders.map(inside),
    ...layout.files.map((entry) => dirname(inside(entry.path))),
  ]);
  for (const folder of [...folders].sort()) await Deno.mkdir(folder, { recursive: true });
  const writes = new Set<Promise<void>>();
  let failure: unknown;
  const window = new Uint8Array(Math.min(COPY_PIECE_BYTES, Math.max(1, manifest.size)));
  let windowStart = 0;
  let windowEnd = 0;
  for (const entry of layout.files) {
    if (failure !== undefined) break;
    const path = inside(entry.path);
    if (entry.size > SMALL_FILE_BYTES) {
      await copyOut(part, path, entry, window);
      windowEnd = windowStart;
      continue;
    }
    if (entry.start < windowStart || entry.start + entry.size > windowEnd) {
      windowStart = entry.start;
      const length = Math.min(window.length, manifest.size - entry.start);
      if (await part.read(entry.start, window.subarray(0, length)) !== length) {
        throw new Error(`${part.path} is shorter than the folder`);
      }
      windowEnd = entry.start + length;
    }
    const bytes = window.slice(entry.start - windowStart, entry.start - windowStart + entry.size);
    const write = writeNew(path, bytes, entry.executable).catch((error) => {
      failure ??= error;
    });
    writes.add(write);
    write.finally(() => writes.delete(write));
    if (writes.size >= PARALLEL_WRITES) await Promise.race(writes);
  }
  await Promise.all(writes);
  if (failure !== undefined) throw failure;
}

/** Creates `path` new with `bytes`, executable or not. */
async function writeNew(path: string, bytes: Uint8Array, executable: boolean): Promise<void> {
  await Deno.writeFile(path, bytes, { createNew: true, mode: executable ? 0o755 : 0o644 });
  if (executable) await Deno.chmod(path, 0o755);
}

/** Creates `path` new (mode as `entry` says) holding `entry`'s bytes of the stream in `part`. */
async function copyOut(
  part: PartFile,
  path: string,
  entry: StreamFile,
  buffer = new Uint8Array(Math.min(COPY_PIECE_BYTES, Math.max(1, entry.size))),
): Promise<void> {
  const file = await Deno.open(path, {
    write: true,
    createNew: true,
    mode: entry.executable ? 0o755 : 0o644,
  });
  try {
    for (let done = 0; done < entry.size;) {
      const view = buffer.subarray(0, Math.min(buffer.length, entry.size - done));
      if (await part.read(entry.start + done, view) !== view.length) {
        throw new Error(`${part.path} is shorter than the folder`);
      }
      for (let written = 0; written < view.length;) {
        written += await file.write(view.subarray(written));
      }
      done += view.length;
    }
  } finally {
    file.close();
  }
  if (entry.executable) await Deno.chmod(path, 0o755);
}
