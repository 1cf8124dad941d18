/**
 * What the peer shell prints, as pure functions of what the peer reports:
 * the fields of its status, and the table rows of the network's files and
 * peers and of this peer's downloads.
 *
 * @module
 */

import { MAX_LISTING_PAGE, MAX_LISTING_PAGES } from "../constants.ts";
import type { Download } from "../peer/download.ts";
import { type DownloadProgress, isActive } from "../peer/download_progress.ts";
import type { PeerNode } from "../peer/peer.ts";
import type { FileSummary, PeerSummary } from "../protocol/messages.ts";
import { formatBytes, formatDuration, formatRate, listedAddress, listedName } from "./format.ts";
import { percentDone, waysText } from "./progress.ts";

/** Hex digits of a file ID shown in lists. */
export const SHOWN_ID_LENGTH = 12;

/** Characters of a peer ID shown in lists. */
export const SHOWN_PEER_ID_LENGTH = 8;

/**
 * The fields the `status` command prints: `status`, then `peersKnown` (a
 * count or why it is unknown), then the sources of the running `downloads`.
 */
export function statusFields(
  status: ReturnType<PeerNode["status"]>,
  options: { peersKnown: string; downloads: DownloadProgress[] },
): [string, string][] {
  const finished = options.downloads.length - status.downloadsRunning;
  return [
    ["listening on", status.address],
    ["peer ID", status.peerId],
    ["server", serverLine(status)],
    ["reachable", reachabilityLine(status)],
    ["peers known", options.peersKnown],
    ["files shared", String(status.shared)],
    ["transfers", `${status.downloadsRunning} running, ${finished} finished`],
    ["uploaded", formatBytes(status.uploadedBytes)],
    ...sourceLines(options.downloads),
  ];
}

/** `status` lines of the running downloads' sources: each one's address and way. */
export function sourceLines(downloads: DownloadProgress[]): [string, string][] {
  return downloads.filter((progress) => isActive(progress.state)).map((progress) => [
    `#${progress.id} sources`,
    progress.via?.map((source) => `${source.address} ${source.way}`).join(", ") || "none yet",
  ]);
}

/** The status line about the central server, or its absence in LAN mode. */
export function serverLine(
  status: { server?: string; connected: boolean; lan: boolean; refused?: string },
): string {
  const lan = status.lan ? ", plus peers found on the LAN" : "";
  if (status.server === undefined) return `none (LAN mode: peers found over mDNS)`;
  const state = status.connected
    ? "connected"
    : status.refused
    ? `refused: ${status.refused}`
    : "not connected, retrying";
  return `${status.server} (${state})${lan}`;
}

/** Whether the server could dial this peer back, and at which address. */
export function reachabilityLine(status: { reachable?: boolean; seenAt?: string }): string {
  if (status.reachable === undefined) return "unknown (not registered with a server)";
  if (status.reachable) return `yes, at ${status.seenAt}`;
  return `no: the server cannot dial ${status.seenAt}; others need this peer to dial them`;
}

/** Table rows of the network's files, `*` marking the ones `mine` holds. */
export function fileRows(files: FileSummary[], mine: Set<string>): string[][] {
  return files.map((file) => [
    mine.has(file.fileId) ? "*" : "",
    file.fileId.slice(0, SHOWN_ID_LENGTH),
    listedName(file),
    formatBytes(file.size),
    String(file.sources),
  ]);
}

/** The line under a listing the server had more of than was fetched. */
export function cutNote(cut: number, what: "files" | "peers"): string {
  return `... and ${cut} more ${what} not listed (a listing stops at ` +
    `${MAX_LISTING_PAGES * MAX_LISTING_PAGE}); ` +
    (what === "files" ? "download by ID still finds any file" : "the server shell lists them all");
}

/** Table rows of the network's peers, the one with `selfId` marked. */
export function peerRows(peers: PeerSummary[], selfId: string): string[][] {
  return peers.map((peer) => [
    listedAddress(peer),
    peer.peerId.slice(0, SHOWN_PEER_ID_LENGTH),
    String(peer.files),
    `${formatDuration(peer.lastSeenMs)} ago`,
    peer.peerId === selfId ? "(this peer)" : "",
  ]);
}

/** Table rows of `downloads`, oldest first; `elapsed` has the time finished ones took. */
export function downloadRows(downloads: Download[], elapsed: Map<number, number>): string[][] {
  return downloads.map((download) => {
    const progress = download.progress();
    const elapsedMs = elapsed.get(progress.id) ?? progress.elapsedMs;
    return [
      `#${progress.id}`,
      progress.state,
      `${percentDone(progress.bytesDone, progress.bytesTotal)}%`,
      formatBytes(progress.bytesTotal),
      formatRate(progress.bytesDone, elapsedMs),
      `${progress.sources}${waysText(progress)}`,
      progress.name,
      progress.message ?? progress.path ?? "",
    ];
  });
}
