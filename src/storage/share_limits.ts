/**
 * What one peer may make an index hold: at most `MAX_FILES_PER_PEER` files
 * and `MAX_MANIFEST_BYTES_PER_PEER` of manifests. A share past either is
 * refused with a message that says what to do; what came before stays.
 *
 * @module
 */

import {
  FILE_ID_HEX_LENGTH,
  MAX_FILES_PER_PEER,
  MAX_MANIFEST_BYTES_PER_PEER,
} from "../constants.ts";
import type { Manifest } from "../protocol/messages.ts";

const BYTES_PER_MIB = 1024 * 1024;

/** A share refused because the peer reached a per-peer cap; what it shared before stays. */
export class ShareLimitError extends Error {
  /** Sent to the peer as the error code. */
  readonly code = "over-limit";
  constructor(message: string) {
    super(message);
    this.name = "ShareLimitError";
  }
}

/** What each entry of a folder manifest counts, besides its path. */
const ENTRY_COST = 32;

/**
 * What a manifest counts against `MAX_MANIFEST_BYTES_PER_PEER`: its hashes
 * (as hex), its name, and a folder's entries (paths and sizes).
 */
export function manifestCost(manifest: Manifest): number {
  const entries = manifest.entries?.reduce((sum, entry) => sum + ENTRY_COST + entry.path.length, 0);
  return manifest.chunkHashes.length * FILE_ID_HEX_LENGTH + manifest.name.length + (entries ?? 0);
}

/**
 * Throws {@linkcode ShareLimitError} when a peer that holds `held` (files
 * and manifest bytes) may not add a file with `manifest`.
 */
export function checkRoom(
  held: { files: number; manifestBytes: number },
  manifest: Manifest,
): void {
  if (held.files >= MAX_FILES_PER_PEER) {
    throw new ShareLimitError(
      `at most ${MAX_FILES_PER_PEER} files per peer are indexed and this peer has reached it: ` +
        `share fewer files per peer (run another peer for the rest)`,
    );
  }
  if (held.manifestBytes + manifestCost(manifest) > MAX_MANIFEST_BYTES_PER_PEER) {
    throw new ShareLimitError(
      `at most ${MAX_MANIFEST_BYTES_PER_PEER / BYTES_PER_MIB} MiB of manifests ` +
        `(${FILE_ID_HEX_LENGTH} bytes per chunk) per peer are indexed and ${manifest.name} ` +
        `would pass it: share fewer or smaller files per peer (run another peer for the rest)`,
    );
  }
}
