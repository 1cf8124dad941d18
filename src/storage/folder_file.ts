/**
 * One file of a folder taken alone (`-d ID:path/inside`): its path is
 * checked with the rules of folder manifests, looked up among the folder's
 * files (an unknown one is refused with the closest names the folder has),
 * and mapped to the chunks of the folder's stream that hold its bytes.
 *
 * @module
 */

import type { Manifest } from "../protocol/messages.ts";
import { Bitfield } from "./bitfield.ts";
import { checkFolderPath } from "./folder_paths.ts";
import { FolderLayout, type StreamFile } from "./folder_stream.ts";
import { printable } from "../printable.ts";

/** Names shown at most when a path is not in the folder. */
const CLOSE_NAMES_SHOWN = 3;

/** Splits `ID:path/inside` into the ID and the path; a query without `:` has no path. */
export function splitInside(query: string): { query: string; inside: string | undefined } {
  const colon = query.indexOf(":");
  if (colon < 0) return { query, inside: undefined };
  return { query: query.slice(0, colon), inside: query.slice(colon + 1) };
}

/** Edit distance between `a` and `b` (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost));
    }
    previous = row;
  }
  return previous[b.length];
}

/** Up to `count` of `paths` closest to `wanted` (case ignored), closest first. */
export function closePaths(paths: readonly string[], wanted: string, count: number): string[] {
  const key = wanted.toLowerCase();
  return paths
    .map((path) => ({ path, distance: editDistance(path.toLowerCase(), key) }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, count)
    .map((scored) => scored.path);
}

/**
 * The file at `inside` in the folder `manifest` describes, its index among
 * the manifest's entries (which names its staging file and journal), and
 * the chunks of the folder's stream that hold its bytes (none for an empty
 * file).
 * Throws when `manifest` is a file's, when `inside` breaks a rule of folder
 * paths, or when the folder has no file there (naming the closest ones).
 */
export function folderFile(
  manifest: Manifest,
  inside: string,
): { file: StreamFile; entry: number; chunks: Bitfield } {
  if (!manifest.entries) {
    throw new Error(
      `${printable(manifest.name)} is a file, not a folder: download it without :path`,
    );
  }
  checkFolderPath(inside);
  const layout = FolderLayout.of(manifest.entries);
  const file = layout.file(inside);
  if (!file) {
    const close = closePaths(layout.files.map((f) => f.path), inside, CLOSE_NAMES_SHOWN);
    const hint = close.length > 0
      ? `; closest: ${close.map((path) => `"${printable(path)}"`).join(", ")}`
      : "; it holds no files";
    throw new Error(`${printable(manifest.name)} has no file "${printable(inside)}"${hint}`);
  }
  const chunks = new Bitfield(manifest.chunkHashes.length);
  if (file.size > 0) {
    const last = Math.floor((file.start + file.size - 1) / manifest.chunkSize);
    for (let index = Math.floor(file.start / manifest.chunkSize); index <= last; index++) {
      chunks.set(index);
    }
  }
  const entry = manifest.entries.findIndex((candidate) => candidate.path === inside);
  return { file, entry, chunks };
}
