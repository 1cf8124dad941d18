/**
 * Where folder downloads are staged in a download folder, and how a peer
 * clears what its crashed downloads left there. A folder is staged in the
 * hidden folder `.p2pft-<owner>-<id8>.partdir`, one file of a folder in the
 * hidden file `.p2pft-<owner>-<id8>-<n>.partfile` (`n`: the file's place
 * among the folder's entries), where `owner` is the start of the
 * downloading peer's ID. So two downloads never share a staging place, and
 * a peer tells its own leftovers from those of other peers saving into the
 * same folder, which it leaves alone (their journals may resume them).
 *
 * @module
 */

import { join } from "node:path";

/** Characters of the peer ID that name its staging places. */
const OWNER_CHARS = 8;
/** Characters of the folder's ID in a staging name. */
const ID_CHARS = 8;
/** Suffix of a folder's staging folder. */
const FOLDER_SUFFIX = ".partdir";
/** Suffix of the staging file of one file of a folder. */
const FILE_SUFFIX = ".partfile";

/** The tag of the peer `peerId` in the names of its staging places. */
export function ownerTag(peerId: string): string {
  return peerId.slice(0, OWNER_CHARS);
}

/**
 * The name of the staging place of folder `fileId` downloaded by `owner`
 * (an {@linkcode ownerTag}): its staging folder, or with `entry`, the
 * staging file of the folder's entry at that index fetched alone.
 */
export function stagingName(fileId: string, options: { owner: string; entry?: number }): string {
  const stem = `.p2pft-${options.owner}-${fileId.slice(0, ID_CHARS)}`;
  return options.entry === undefined
    ? stem + FOLDER_SUFFIX
    : `${stem}-${options.entry}${FILE_SUFFIX}`;
}

/** True when `name` is the name of a staging place of `owner`. */
export function isStagingOf(name: string, owner: string): boolean {
  return name.startsWith(`.p2pft-${owner}-`) &&
    (name.endsWith(FOLDER_SUFFIX) || name.endsWith(FILE_SUFFIX));
}

/**
 * Removes, from each of `dirs`, the staging places of `owner` whose path is
 * not in `keep` (those a recorded download will take up again); resolves
 * to the paths removed. A folder that is missing or cannot be read is
 * passed over.
 */
export async function removeLeftovers(
  dirs: Iterable<string>,
  options: { owner: string; keep: ReadonlySet<string> },
): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of new Set(dirs)) {
    let names: string[];
    try {
      names = [];
      for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (!isStagingOf(name, options.owner) || options.keep.has(path)) continue;
      try {
        await Deno.remove(path, { recursive: true });
        removed.push(path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
  }
  return removed;
}
