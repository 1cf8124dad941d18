/**
 * What the JSON API shows of the peer's things: the network's files, this
 * peer's shared items, its downloads (with a rate measured over the last
 * seconds and an ETA) and the network's peers. Pure mappings, but for the
 * rate meter's clock.
 *
 * @module
 */

import type { Download } from "../peer/download.ts";
import type { DownloadState } from "../peer/download_progress.ts";
import type { ServedFile } from "../peer/library.ts";
import type { FileSummary, PeerSummary } from "../protocol/messages.ts";

/** A file or folder of the network, as `GET /api/files` lists it. */
export interface FileView {
  id: string;
  name: string;
  size: number;
  folder: boolean;
  /** Files a folder holds (empty ones included); 1 for a file. */
  fileCount: number;
  /** Peers holding it, whole or in part. */
  sources: number;
  /** Peers holding it whole. */
  seeders: number;
  /** True when this peer holds it (whole or downloading). */
  mine: boolean;
}

/** An item this peer shares, as `GET /api/shared` lists it. */
export interface SharedView {
  id: string;
  name: string;
  size: number;
  folder: boolean;
  fileCount: number;
  /** Where it lies (the `.part` file of a download still running). */
  path: string;
  /** Registered, downloaded (re-shared), or downloading (`complete` false). */
  origin: "registered" | "downloaded" | "downloading";
  /** False while only some chunks are held (a download in progress). */
  complete: boolean;
}

/** A download, as `GET /api/downloads` lists it. */
export interface DownloadView {
  /** Local download number. */
  id: number;
  fileId: string;
  name: string;
  size: number;
  /** Verified bytes. */
  done: number;
  /** Bytes per second over the last seconds. */
  rate: number;
  /** Seconds left at that rate; null when unknown or ended. */
  eta: number | null;
  state: "running" | "done" | "cancelled" | "failed";
  /** The finer state of a running one: `starting`, `running` or `waiting` (for sources). */
  phase: DownloadState;
  sources: { address: string; way: "direct" | "reversed" | "relayed" }[];
  /** Where the file goes (the final path once done). */
  path: string | null;
  /** Why it failed, or what it waits for. */
  error?: string;
  /** Of a whole folder: its files whole so far, and in all. */
  files?: { done: number; total: number };
}

/** A peer of the network, as `GET /api/peers` lists it. */
export interface PeerView {
  id: string;
  address: string;
  files: number;
  /** False when the server could not dial it back. */
  reachable: boolean | null;
  lastSeenMs: number;
  /** True for this peer. */
  self: boolean;
}

/** The view of a file of the network; `mine` holds the IDs this peer holds. */
export function fileView(file: FileSummary, mine: ReadonlySet<string>): FileView {
  return {
    id: file.fileId,
    name: file.name,
    size: file.size,
    folder: file.files !== undefined,
    fileCount: file.files ?? 1,
    sources: file.sources,
    seeders: file.seeders,
    mine: mine.has(file.fileId),
  };
}

/** True when `file` matches what was typed in the search box: an ID prefix or part of its name. */
export function matchesQuery(file: { fileId: string; name: string }, query: string): boolean {
  const needle = query.trim().toLowerCase();
  if (needle === "") return true;
  return file.fileId.startsWith(needle) || file.name.toLowerCase().includes(needle);
}

/** The view of an item this peer serves. */
export function sharedView(file: ServedFile): SharedView {
  const entries = file.manifest.entries;
  return {
    id: file.fileId,
    name: file.manifest.name,
    size: file.manifest.size,
    folder: entries !== undefined,
    fileCount: entries ? entries.filter((entry) => entry.kind !== "folder").length : 1,
    path: file.path,
    origin: file.chunks !== undefined ? "downloading" : file.record?.origin ?? "registered",
    complete: file.chunks === undefined,
  };
}

/** The view of a peer of the network. */
export function peerView(peer: PeerSummary, selfId: string): PeerView {
  return {
    id: peer.peerId,
    address: peer.address,
    files: peer.files,
    reachable: peer.reachable ?? null,
    lastSeenMs: peer.lastSeenMs,
    self: peer.peerId === selfId,
  };
}

/** How long a download's rate is averaged over, in milliseconds. */
export const RATE_WINDOW_MS = 5_000;

/** Measures each download's rate from samples of its verified bytes. */
export class RateMeters {
  #samples = new Map<number, { at: number; bytes: number }[]>();
  #now: () => number;

  /** Meters reading time from `now` (default `Date.now`). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Records that download `id` has `bytes` verified now; returns its rate in bytes per second. */
  sample(id: number, bytes: number): number {
    const now = this.#now();
    const samples = this.#samples.get(id) ?? [];
    this.#samples.set(id, samples);
    const last = samples.at(-1);
    if (!last || now - last.at >= 100 || bytes < last.bytes) samples.push({ at: now, bytes });
    while (samples.length > 2 && now - samples[1].at >= RATE_WINDOW_MS) samples.shift();
    const first = samples[0];
    const elapsed = now - first.at;
    if (elapsed <= 0) return 0;
    return Math.max(0, Math.round((bytes - first.bytes) * 1000 / elapsed));
  }

  /** Forgets download `id` (it ended). */
  forget(id: number): void {
    this.#samples.delete(id);
  }
}

/** The view of `download`, its rate read from `meters` (running ones only). */
export function downloadView(download: Download, meters: RateMeters): DownloadView {
  const progress = download.progress();
  const running = progress.state === "starting" || progress.state === "running" ||
    progress.state === "waiting";
  const rate = running ? meters.sample(progress.id, progress.bytesDone) : 0;
  if (!running) meters.forget(progress.id);
  const left = progress.bytesTotal - progress.bytesDone;
  return {
    id: progress.id,
    fileId: progress.fileId,
    name: progress.name,
    size: progress.bytesTotal,
    done: progress.bytesDone,
    rate,
    eta: running && rate > 0 ? Math.ceil(left / rate) : null,
    state: running ? "running" : progress.state as DownloadView["state"],
    phase: progress.state,
    sources: running ? download.sourceList().map(({ address, way }) => ({ address, way })) : [],
    path: progress.path ?? null,
    ...(progress.message !== undefined ? { error: progress.message } : {}),
    ...(progress.files ? { files: progress.files } : {}),
  };
}
