/**
 * What a `get` keeps so that running it again resumes: one state folder per
 * set of items (named by a hash of their IDs, so a new send of the same
 * files finds it too), holding the journal of each unfinished download, as
 * a peer's data folder does. A `get` that ends with everything here removes
 * its folder; a second `get` of the same items while one runs keeps nothing
 * (the folder is locked) and downloads beside the first.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { errorMessage, type Logger } from "../log.ts";
import { DataDirInUseError, PeerState } from "../storage/peer_state.ts";

/** Hex digits of the hash of the item IDs that name a state folder. */
const KEY_LENGTH = 32;

/** The name of the state folder of the items `fileIds` (in any order). */
export async function itemsKey(fileIds: string[]): Promise<string> {
  const text = new TextEncoder().encode([...fileIds].sort().join("\n"));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", text));
  const hex = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return hex.slice(0, KEY_LENGTH);
}

/**
 * Opens the state folder of the items `fileIds` under `root`; `undefined`,
 * with a line that says so, when another `get` of them holds it or it
 * cannot be made.
 */
export async function openReceiverState(
  root: string,
  options: { fileIds: string[]; log: Logger },
): Promise<PeerState | undefined> {
  const dir = join(root, await itemsKey(options.fileIds));
  try {
    return await PeerState.open(dir);
  } catch (error) {
    if (error instanceof DataDirInUseError) {
      options.log.info(
        "another get of the same items is running: this one keeps nothing to resume",
      );
    } else {
      options.log.warn(`cannot keep what this get fetches for resuming: ${errorMessage(error)}`);
    }
    return undefined;
  }
}

/**
 * Where each item's download resumes: the unfinished downloads `state`
 * records into `outDir`, by file ID, with the chunks their journal records.
 */
export async function resumePoints(
  state: PeerState,
  outDir: string,
): Promise<Map<string, { path: string; chunks: number[] }>> {
  const points = new Map<string, { path: string; chunks: number[] }>();
  for (const { record, chunks } of await state.loadDownloads()) {
    if (dirname(record.path) === outDir) points.set(record.fileId, { path: record.path, chunks });
  }
  return points;
}

/**
 * Closes `state`, having removed its folder when no download is left
 * unfinished in it: while still locked, so that no other `get` takes it
 * meanwhile, or once closed where an open lock file cannot be removed.
 */
export async function closeReceiverState(state: PeerState): Promise<void> {
  const done = await state.loadDownloads().then((left) => left.length === 0, () => false);
  const remove = () => Deno.remove(state.dir, { recursive: true }).then(() => true, () => false);
  const removed = done && await remove();
  await state.close();
  if (done && !removed) await remove();
}
