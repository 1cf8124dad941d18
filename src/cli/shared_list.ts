/**
 * What a peer shares, as its shell's `shared` lists it: each item with
 * where it comes from (registered by the user, downloaded and re-shared,
 * or still downloading and served as it comes).
 *
 * @module
 */

import type { ServedFile } from "../peer/library.ts";
import type { FileSummary } from "../protocol/messages.ts";
import { formatBytes, listedName } from "./format.ts";
import { percentDone } from "./progress.ts";

/** Hex digits of a file ID shown in the list. */
const SHOWN_ID_LENGTH = 12;

/** A served file as a line of a file list (for names and completion). */
export function sharedSummary(file: ServedFile): FileSummary {
  return {
    fileId: file.fileId,
    name: file.manifest.name,
    size: file.manifest.size,
    sources: 1,
    seeders: 1,
    ...(file.manifest.entries ? { files: file.manifest.entries.length } : {}),
  };
}

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
    listedName(sharedSummary(file)),
    formatBytes(file.manifest.size),
    sharedOrigin(file),
    file.path,
  ]);
}
