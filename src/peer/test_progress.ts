/**
 * A download's progress snapshot for unit tests of what shows it: a
 * running download of `big.iso`, nothing done, the given fields changed.
 *
 * @module
 */

import type { DownloadProgress } from "./download_progress.ts";

/** A running download's snapshot (number 1, 10 bytes, none done, no source) with `fields` over it. */
export function progressSnapshot(fields: Partial<DownloadProgress> = {}): DownloadProgress {
  return {
    id: 1,
    fileId: "f".repeat(64),
    name: "big.iso",
    state: "running",
    bytesDone: 0,
    bytesTotal: 10,
    sources: 0,
    path: undefined,
    message: undefined,
    elapsedMs: 0,
    ...fields,
  };
}
