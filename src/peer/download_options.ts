/**
 * What a download is given: where to save, what to fetch with, where its
 * sources come from, and whom to tell as its chunks are verified.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { Manifest, Source } from "../protocol/messages.ts";
import type { Bitfield } from "../storage/bitfield.ts";
import type { ChunkHasher } from "../storage/hasher.ts";
import type { ChunkStore } from "../storage/part_file.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { ConnectionSource } from "./chunk_requests.ts";
import type { DownloadResult } from "./download_progress.ts";

/** Sources found for a running download. */
export interface FoundSources {
  /** Who holds the file (or a sample of them). */
  sources: Source[];
  /** False when the server sent a sample: a source missing from it has not left. */
  complete: boolean;
}

/** Finds the sources of a file for a running download. */
export type SourceFinder = (fileId: string) => Promise<FoundSources>;

/** Told when a download has its `.part` file (or staging) and may serve its verified chunks. */
export type PartialListener = (partial: {
  fileId: string;
  manifest: Manifest;
  /** Final path of the file. */
  path: string;
  part: ChunkStore;
  /** Verified chunks; filled in as the download goes on. */
  chunks: Bitfield;
}) => void;

/** Options of a download (see download.ts). */
export interface DownloadOptions {
  /** Local download number. */
  id: number;
  /** Folder the file goes into. */
  outDir: string;
  /** Connections to other peers. */
  pool: ConnectionSource;
  /** Hashes chunks off the main thread. */
  hasher: ChunkHasher;
  /** Chunk buffers, shared with the peer's other downloads. */
  buffers: BufferPool;
  /** Finds who holds the file. */
  findSources: SourceFinder;
  /** This peer's ID, so it never downloads from itself. */
  selfId: string;
  /** Announces a verified chunk to the network. */
  onChunk?: (index: number) => void;
  /** Told when the `.part` file exists, so its chunks can be served. */
  onPartial?: PartialListener;
  /**
   * Run once the file is complete and in place (sharing it whole, ending its
   * journal); the download's `settled` waits for it, `done` does not. Must
   * not reject.
   */
  onFinished?: (result: DownloadResult) => Promise<void>;
  log?: Logger;
  /**
   * Resume the download whose `.part` file sits beside `path` (a folder's
   * staging: see download_folder.ts), as this peer's journal records it,
   * trusting none of the recorded chunks until re-verified.
   */
  resume?: { path: string; chunks: number[] };
  /**
   * Fetch only the file at this path of the folder (checked like a
   * manifest's paths), saved as `outDir/<its name>`.
   */
  inside?: string;
  /**
   * Where this peer already holds the whole file (or folder), shared: the
   * download then ends at once as already present there, fetching nothing
   * (this peer never downloads from itself).
   */
  localCopy?: string;
  /**
   * Who the lookup found holding the file: used at once, and connected to
   * while the download gets ready, instead of asking for them again first.
   */
  sources?: FoundSources;
  /** Fetch chunks in file order (to stream the file as it comes), not rarest first. */
  inOrder?: boolean;
  /** A request unanswered this long is asked elsewhere; default `STALL_TIMEOUT_MS` of constants.ts. */
  stallTimeoutMs?: number;
  /**
   * How long only banned peers may be listed before the download fails;
   * default `BANNED_SOURCES_GIVE_UP_MS` of constants.ts.
   */
  bannedGiveUpMs?: number;
}
