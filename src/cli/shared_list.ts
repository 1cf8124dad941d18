/**
 * What a peer shares, as its shell's `shared` lists it: each item with
 * where it comes from (registered by the user, downloaded and re-shared,
 * or still downloading and served as it comes).
 *
 * @module
 */

import type { ServedFile } from "../peer/library.ts";
import { ownSummary } from "../peer/file_query.ts";
import { formatBytes, listedName } from "./format.ts";
import { percentDone } from "./progress.ts";

/** Hex digits of a file ID shown in the list. */
const SHOWN_ID_LENGTH = 12;

/** Where a shared item comes from: registered, downloaded, or downloading (with its share done). */
export function sharedOrigin(file: Pick<ServedFile, "chunks" | "record" | "manifest">): string {
  if (file.chunks !== undefined) {
    const total = file.manifest.chunkHashes.length;
    return `downloading ${percentDone(file.chunks.count, total)}%`;
  }
  return file.record?.origin ?? "registered";
}

/** Table rows of what this peer shares. */
export function sharedRows(files: ServedFile[]): string[][] {
  return files.map((file) => [
    file.fileId.slice(0, SHOWN_ID_LENGTH),
    listedName(ownSummary(file)),
    formatBytes(file.manifest.size),
    sharedOrigin(file),
    file.path,
  ]);
}
