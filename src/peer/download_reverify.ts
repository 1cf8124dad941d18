/**
 * Resuming a download: the chunks this peer's journal recorded as verified
 * are trusted only once they hash right again in the `.part` file (or
 * staging), since the file may have changed while the peer was stopped.
 *
 * @module
 */

import type { Manifest } from "../protocol/messages.ts";
import type { ChunkHasher } from "../storage/hasher.ts";
import { chunkLength, chunkOffset } from "../storage/manifest.ts";
import type { ChunkStore } from "../storage/part_file.ts";
import type { Scheduler } from "./scheduler.ts";

/** Options of {@linkcode reverifyChunks}. */
export interface ReverifyOptions {
  manifest: Manifest;
  /** Takes the chunks that hash right as done; chunks it does not miss are skipped. */
  scheduler: Scheduler;
  /** Hashes chunks (off the main thread, for the peer's). */
  hasher: Pick<ChunkHasher, "hash">;
  /** Stops re-verifying (throwing its reason) when aborted. */
  signal: AbortSignal;
}

/**
 * Re-hashes each chunk of `recorded` (duplicates and indexes past the end
 * ignored) that the scheduler still misses, reading it from `part`, and
 * marks the ones that match the manifest done. Resolves to their bytes.
 */
export async function reverifyChunks(
  part: ChunkStore,
  recorded: number[],
  options: ReverifyOptions,
): Promise<number> {
  const { manifest, scheduler } = options;
  const unique = [...new Set(recorded)].filter((i) =>
    i < manifest.chunkHashes.length && scheduler.missing(i)
  );
  let bytes = 0;
  let buffer: Uint8Array = new Uint8Array(manifest.chunkSize);
  for (const index of unique) {
    options.signal.throwIfAborted();
    const length = chunkLength(manifest, index);
    const view = buffer.subarray(0, length);
    if (await part.read(chunkOffset(manifest, index), view) !== length) continue;
    const hashed = await options.hasher.hash(view);
    buffer = new Uint8Array(hashed.data.buffer);
    if (hashed.hash !== manifest.chunkHashes[index]) continue;
    scheduler.done.set(index);
    bytes += length;
  }
  return bytes;
}
