/**
 * What a download reports: where it stands, how far it got, how its
 * sources are reached, and what it produced once finished.
 *
 * @module
 */

import type { SourceWay } from "./download_sources.ts";

/** Where a download stands. */
export type DownloadState = "starting" | "running" | "waiting" | "done" | "failed" | "cancelled";

/** True for the states of a download that has not ended. */
export function isActive(state: DownloadState): boolean {
  return state === "starting" || state === "running" || state === "waiting";
}

/** A snapshot of a download's progress. */
export interface DownloadProgress {
  /** Local download number, from 1. */
  id: number;
  fileId: string;
  name: string;
  state: DownloadState;
  /** Verified bytes. */
  bytesDone: number;
  /** File size. */
  bytesTotal: number;
  /** Sources currently usable. */
  sources: number;
  /** Of those, the ones that dialled this peer back at its request (reversal); absent when none. */
  reversed?: number;
  /** Of those, the ones reached through a relay (the server's or a peer's); absent when none. */
  relayed?: number;
  /** Each usable source's address and how it is reached; absent when there is none. */
  via?: SourceWay[];
  /**
   * Where the file goes: the final path once done; until then the path its
   * `.part` file sits beside (the final name is the first free one at the end).
   */
  path: string | undefined;
  /** Why it failed or waits, when it does. */
  message: string | undefined;
  /** Milliseconds since it started. */
  elapsedMs: number;
  /** Of a whole folder: its files, and how many are whole so far. */
  files?: { done: number; total: number };
}

/** What a finished download produced. */
export interface DownloadResult {
  fileId: string;
  /** Final path of the verified file. */
  path: string;
  /** File size. */
  size: number;
  elapsedMs: number;
  /** Bytes received from the network (including re-fetched bad chunks). */
  bytesReceived: number;
  /** True when the file was already present with the same content. */
  alreadyPresent: boolean;
}

/**
 * The progress fields telling how the usable sources `via` are reached:
 * how many dialled this peer back and how many are relayed (each left out
 * when none), and the list itself (left out when empty).
 */
export function waysSummary(
  via: SourceWay[],
): Pick<DownloadProgress, "reversed" | "relayed" | "via"> {
  const count = (way: SourceWay["way"]) => via.filter((source) => source.way === way).length;
  const [reversed, relayed] = [count("reversed"), count("relayed")];
  return {
    ...(reversed > 0 ? { reversed } : {}),
    ...(relayed > 0 ? { relayed } : {}),
    ...(via.length > 0 ? { via } : {}),
  };
}
