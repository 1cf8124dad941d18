/**
 * Running a transfer while showing it: a download or the hashing of a file
 * to register, sampled a few times a second into a progress display, then
 * reported as an event and a summary line.
 *
 * @module
 */

import { basename } from "node:path";
import type { Download } from "../peer/download.ts";
import type { DownloadResult } from "../peer/download_progress.ts";
import type { Manifest } from "../protocol/messages.ts";
import type { PeerNode } from "../peer/peer.ts";
import type { Registered } from "../peer/shares.ts";
import { pathOnDisk } from "../storage/folder_stream.ts";
import type { CliEvent, Reporter } from "./output.ts";
import {
  downloadFigures,
  downloadSummary,
  hashSummary,
  percentDone,
  RateMeter,
  type TaskFigures,
} from "./progress.ts";
import { PROGRESS_TICK_MS, type ProgressDisplay } from "./progress_display.ts";

/** Hashing shorter than this gets no summary line: it was instant to the user. */
export const HASH_NOTE_MIN_MS = 1_000;

/** Where a transfer shows its progress and reports its end. */
export interface TransferContext {
  /** The live display. */
  display: ProgressDisplay;
  /** Events and notes. */
  reporter: Reporter;
}

/** Resolves after `ms` or when `promise` settles, whichever is first, leaving no timer behind. */
function tick(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => (clearTimeout(timer), resolve()),
      () => (clearTimeout(timer), resolve()),
    );
  });
}

/**
 * The `file` events of a folder placed at `root` by download number
 * `download`: one per file it holds (empty ones included), in manifest
 * order, with its path on disk. None for a file.
 */
export function folderFileEvents(
  manifest: Manifest,
  placed: { download: number; fileId: string; root: string },
): CliEvent[] {
  const { download, fileId, root } = placed;
  return (manifest.entries ?? []).filter((entry) => entry.kind !== "folder").map((entry) => ({
    event: "file",
    download,
    fileId,
    path: pathOnDisk(root, entry.path),
    size: entry.size,
  }));
}

/**
 * Shows `download` in `context.display` until it ends, then reports it
 * (for a folder a `file` event per file, then the `downloaded` event and
 * summary; or `cancelled`). Resolves to its result; rejects with its error.
 */
export async function watchDownload(
  download: Download,
  context: TransferContext,
): Promise<DownloadResult> {
  const meter = new RateMeter();
  const key = `download:${download.progress().id}`;
  let peakSources = 0;
  let settled = false;
  download.done.then(() => settled = true, () => settled = true);
  const sample = () => {
    const progress = download.progress();
    meter.add(Date.now(), progress.bytesDone);
    peakSources = Math.max(peakSources, progress.sources);
    context.display.update(key, downloadFigures(progress, meter.rate()));
  };
  while (!settled) {
    sample();
    await tick(download.done, PROGRESS_TICK_MS);
  }
  try {
    const result = await download.done;
    sample();
    context.display.remove(key);
    const progress = download.progress();
    const placed = { download: progress.id, fileId: download.fileId, root: result.path };
    // Only JSON shows file events: a folder of many files need not build them else.
    if (download.inside === undefined && context.reporter.mode === "json") {
      for (const event of folderFileEvents(download.manifest, placed)) context.reporter.emit(event);
    }
    context.reporter.emit({
      event: "downloaded",
      download: progress.id,
      fileId: download.fileId,
      name: progress.name,
      path: result.path,
      size: result.size,
      elapsedMs: result.elapsedMs,
      alreadyPresent: result.alreadyPresent,
    });
    context.reporter.note(downloadSummary({
      name: progress.name,
      size: result.size,
      elapsedMs: result.elapsedMs,
      sources: peakSources,
      alreadyPresent: result.alreadyPresent,
    }));
    return result;
  } catch (error) {
    context.display.remove(key);
    const progress = download.progress();
    if (progress.state === "cancelled") {
      context.reporter.emit({
        event: "cancelled",
        download: progress.id,
        fileId: download.fileId,
        name: progress.name,
      });
    }
    throw error;
  }
}

/** Registers `path` with `peer`, showing the hashing in `context.display`; reports `registered`. */
export async function registerWithProgress(
  peer: Pick<PeerNode, "register">,
  path: string,
  context: TransferContext & { signal?: AbortSignal },
): Promise<Registered> {
  const key = `hash:${path}`;
  const name = basename(path);
  const meter = new RateMeter();
  const started = Date.now();
  let registered: Registered;
  try {
    registered = await peer.register(path, {
      signal: context.signal,
      onProgress: (progress) => {
        meter.add(Date.now(), progress.bytesDone);
        const figures: TaskFigures = {
          kind: "hash",
          label: `hashing ${name}`,
          name,
          bytesDone: progress.bytesDone,
          bytesTotal: progress.bytesTotal,
          rate: meter.rate(),
        };
        context.display.update(key, figures);
      },
    });
  } finally {
    context.display.remove(key);
  }
  const elapsedMs = Date.now() - started;
  context.reporter.emit({
    event: "registered",
    fileId: registered.fileId,
    name: registered.manifest.name,
    size: registered.manifest.size,
    path: registered.path,
  });
  if (elapsedMs >= HASH_NOTE_MIN_MS) {
    context.reporter.note(hashSummary({ name, size: registered.manifest.size, elapsedMs }));
  }
  return registered;
}

/** Whether the next run takes a stopped download up again, and if not, why. */
export type Resumption = "same-command" | "no-state" | "one-file";

/**
 * What to say of a download stopped by Ctrl-C or a kill: where it stopped
 * (percent, and chunks verified when they are the file's own) and whether
 * the same command takes it up again.
 */
export function stoppedLine(
  download: Pick<Download, "manifest" | "inside" | "progress" | "verifiedChunks">,
  resumption: Resumption,
): string {
  const progress = download.progress();
  const percent = percentDone(progress.bytesDone, progress.bytesTotal);
  const chunks = download.inside === undefined
    ? ` (${download.verifiedChunks().length} of ${download.manifest.chunkHashes.length} chunks ` +
      `verified, kept in ${progress.path ?? progress.name}.part)`
    : "";
  const next = resumption === "same-command"
    ? "run the same command again to resume it"
    : resumption === "no-state"
    ? "this peer keeps no state (port 0 without --data-dir), so it would start over: " +
      "give --data-dir to make downloads resumable"
    : "one file of a folder is not resumed: it starts over";
  return `stopped ${progress.name} at ${percent}%${chunks}; ${next}`;
}
