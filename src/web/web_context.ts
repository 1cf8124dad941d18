/**
 * What the web server's routes share: the peer, where downloads and uploads
 * go, the download rate meters, the page's URLs, and a way to tell the
 * event stream that something changed.
 *
 * @module
 */

import { REQUEST_TIMEOUT_MS, SERVER_UNREACHABLE_MS } from "../constants.ts";
import { errorMessage } from "../log.ts";
import type { PeerNode } from "../peer/peer.ts";
import { ApiError } from "./api_errors.ts";
import type { RateMeters } from "./views.ts";

/** What the event stream can be told changed. */
export type Topic = "downloads" | "shared" | "files";

/** What the web server's routes work with. */
export interface WebContext {
  peer: PeerNode;
  /** Folder downloads started from the page go to. */
  outDir: string;
  /** Folder uploads land in. */
  uploadDir: string;
  /** Largest upload accepted, in bytes. */
  uploadLimit: number;
  meters: RateMeters;
  /** The page's URLs, with the token. */
  urls: () => string[];
  /** Tells the event stream that `topic` changed, so it sends it at once. */
  changed: (topic: Topic) => void;
}

/**
 * Waits until the peer is registered with its server (if it has one), for
 * calls that ask it; throws a 503 {@linkcode ApiError} saying why it is not.
 */
export async function connected(peer: PeerNode): Promise<void> {
  const status = peer.status();
  if (status.connected || status.server === undefined) return;
  try {
    await peer.waitConnected(REQUEST_TIMEOUT_MS, { failFastMs: SERVER_UNREACHABLE_MS });
  } catch (error) {
    throw new ApiError(503, errorMessage(error));
  }
}
