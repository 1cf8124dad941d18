/**
 * What a peer shares, as its shell's `shared` lists it: each item with
 * where it comes from (registered by the user, downloaded and re-shared,
 * or still downloading and served as it comes). `peer --shared` prints the
 * same list from the data folder alone, the peer running or not.
 *
 * @module
 */

import type { Manifest } from "../protocol/messages.ts";
import { ownSummary } from "../peer/file_query.ts";
import {
  loadSharedRecords,
  loadUnfinishedDownloads,
  type SharedRecord,
} from "../storage/peer_state.ts";
import { partPath } from "../storage/safe_name.ts";
import { formatBytes, listedName } from "./format.ts";
import { percentDone } from "./progress.ts";
import type { Reporter } from "./output.ts";
import { formatTable } from "./table.ts";

/** Hex digits of a file ID shown in the list. */
const SHOWN_ID_LENGTH = 12;

/** An item of the list: one a running peer serves, or one its data folder remembers. */
export interface SharedItem {
  fileId: string;
  manifest: Manifest;
  /** Where it lies on disk (the `.part` file of a download). */
  path: string;
  /** Verified chunks of a download; `undefined` when held whole. */
  chunks: { count: number } | undefined;
  /** What a file shared whole is remembered by; `undefined` for a download. */
  record: SharedRecord | undefined;
  /** True for a download the data folder records while no peer runs it. */
  unfinished?: boolean;
}

/** Where a shared item comes from: registered, downloaded, or downloading (with its share done). */
export function sharedOrigin(
  item: Pick<SharedItem, "chunks" | "record" | "manifest" | "unfinished">,
): string {
  if (item.chunks !== undefined) {
    const percent = percentDone(item.chunks.count, item.manifest.chunkHashes.length);
    return `${item.unfinished ? "unfinished" : "downloading"} ${percent}%`;
  }
  return item.record?.origin ?? "registered";
}

/** Table rows of what this peer shares. */
export function sharedRows(items: SharedItem[]): string[][] {
  return items.map((item) => [
    item.fileId.slice(0, SHOWN_ID_LENGTH),
    listedName(ownSummary(item)),
    formatBytes(item.manifest.size),
    sharedOrigin(item),
    item.path,
  ]);
}

/**
 * The lines of the list of `items`: a table, or one line saying there is
 * nothing and, as `howToShare` says, how to share something.
 */
export function sharedTable(items: SharedItem[], howToShare: string): string[] {
  if (items.length === 0) return [`this peer shares nothing yet; ${howToShare}`];
  return formatTable(sharedRows(items), {
    header: ["ID", "NAME", "SIZE", "FROM", "PATH"],
    align: ["left", "left", "right", "left", "left"],
  });
}

/**
 * What the data folder `dir` remembers: the items shared whole, then the
 * unfinished downloads (a peer started on it serves them as they resume,
 * unless told not to re-share). Reads without taking the folder's lock.
 */
export async function rememberedItems(dir: string): Promise<SharedItem[]> {
  const shared = (await loadSharedRecords(dir)).map((record) => ({
    fileId: record.fileId,
    manifest: record.manifest,
    path: record.path,
    chunks: undefined,
    record,
  }));
  const unfinished = (await loadUnfinishedDownloads(dir)).map(({ record, chunks }) => ({
    fileId: record.fileId,
    manifest: record.manifest,
    path: partPath(record.path),
    chunks: { count: new Set(chunks).size },
    record: undefined,
    unfinished: true,
  }));
  return [...shared, ...unfinished];
}

/**
 * Prints what the data folder `dir` remembers sharing (see
 * {@linkcode rememberedItems}): the table on stdout, or with `--json` one
 * `shared` event per item.
 */
export async function printRemembered(dir: string, reporter: Reporter): Promise<void> {
  const items = await rememberedItems(dir);
  if (reporter.mode !== "json") {
    for (const line of sharedTable(items, "-r PATH shares a file or folder")) {
      reporter.console.out(line);
    }
    return;
  }
  for (const item of items) {
    const { fileId, manifest: { name, size }, path } = item;
    reporter.emit({ event: "shared", fileId, name, size, from: sharedOrigin(item), path });
  }
}
