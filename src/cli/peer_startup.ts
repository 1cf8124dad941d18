/**
 * What `p2pft peer` does from its command line, outside the shell: stops
 * sharing (--unshare), shares (-r) and downloads (-d, and the resumed ones)
 * at start-up, then, when it stops, says where each download stopped and
 * closes the peer with its closing line.
 *
 * @module
 */

import { REQUEST_TIMEOUT_MS, SERVER_UNREACHABLE_MS } from "../constants.ts";
import { errorMessage, type Logger } from "../log.ts";
import type { Download } from "../peer/download.ts";
import { isActive } from "../peer/download_progress.ts";
import type { PeerNode } from "../peer/peer.ts";
import { cpuMilliseconds } from "../cpu_time.ts";
import { closingLine } from "./peer_summary.ts";
import {
  registerWithProgress,
  stoppedLine,
  type TransferContext,
  watchDownload,
} from "./transfers.ts";

/**
 * Says, for each download a signal stops, where it stopped and whether the
 * same command resumes it; returns how many there were.
 */
export function reportStopped(
  peer: Pick<PeerNode, "downloads" | "dataDir">,
  log: Logger,
): number {
  const running = peer.downloads().filter((download) => isActive(download.progress().state));
  for (const download of running) {
    const resumption = download.inside !== undefined
      ? "one-file"
      : peer.dataDir === undefined
      ? "no-state"
      : "same-command";
    log.warn(stoppedLine(download, resumption));
  }
  return running.length;
}

/** Stops `peer` and logs its closing line (uploads and CPU time, read by the bench). */
export async function closePeer(peer: PeerNode, log: Logger): Promise<void> {
  await peer.close();
  log.info(closingLine(peer, cpuMilliseconds()));
}

/**
 * The start-up work of a peer run from its command line, in order: stops
 * sharing `unshare`, shares `register` once the server is reached, then
 * downloads `download` and resumes the unfinished downloads, all at once.
 * Logs and reports each failure and goes on; true when all succeeded.
 */
export async function startupWork(
  peer: Pick<PeerNode, "unshare" | "waitConnected" | "register" | "downloads" | "download">,
  options: TransferContext & {
    unshare: string[];
    register: string[];
    download: string[];
    out: string;
    log: Logger;
  },
): Promise<boolean> {
  let ok = true;
  for (const item of options.unshare) {
    await peer.unshare(item).catch((error) => {
      options.log.error(`unshare ${item}: ${errorMessage(error)}`);
      options.reporter.error(`unshare ${item}: ${errorMessage(error)}`);
      ok = false;
    });
  }
  const failFast = { failFastMs: SERVER_UNREACHABLE_MS };
  if (options.register.length > 0) {
    // The link says why it cannot connect, and shares all once it can.
    await peer.waitConnected(REQUEST_TIMEOUT_MS, failFast).catch(() => {});
  }
  for (const path of options.register) {
    try {
      await registerWithProgress(peer, path, options);
    } catch (error) {
      options.log.error(errorMessage(error));
      options.reporter.error(errorMessage(error));
      ok = false;
    }
  }
  const resumed = peer.downloads();
  if (options.download.length === 0 && resumed.length === 0) return ok;
  try {
    // A lookup may go while the server still checks that it can dial this peer back.
    await peer.waitConnected(REQUEST_TIMEOUT_MS, { ...failFast, asking: true });
  } catch (error) {
    options.log.error(errorMessage(error));
    options.reporter.error(errorMessage(error));
    return false;
  }
  const starts: { query: string; start: () => Download | Promise<Download> }[] = [
    ...resumed.map((download) => ({ query: download.fileId, start: () => download })),
    ...options.download.map((query) => ({
      query,
      start: () => peer.download(query, options.out),
    })),
  ];
  const results = await Promise.all(starts.map(async ({ query, start }) => {
    let download: Download | undefined;
    try {
      download = await start();
      await watchDownload(download, options);
      return true;
    } catch (error) {
      // Stopped by a signal: reportStopped says where, and how to resume.
      if (download?.progress().state === "cancelled") return false;
      options.log.error(`download ${query}: ${errorMessage(error)}`);
      options.reporter.error(`download ${query}: ${errorMessage(error)}`);
      return false;
    }
  }));
  return ok && results.every(Boolean);
}
