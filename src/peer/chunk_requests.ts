/**
 * The chunk requests of one download in flight: each gets a buffer from the
 * shared pool, is asked of a source under the {@linkcode Scheduler}'s rules,
 * read straight into that buffer and hashed as it arrives (or whole, on the
 * hashing worker, once the download keeps a core busy: hash_placement.ts),
 * and written at its offset into the `.part` file (or a folder's files) only
 * once verified. A request that fails
 * is handled by its {@linkcode failureKind}; one that stalls, lost a race to
 * a duplicate, or outlives the download is cancelled at its peer.
 *
 * @module
 */

import { cpuMilliseconds } from "../cpu_time.ts";
import { errorMessage, type Logger } from "../log.ts";
import type { Connection } from "../protocol/connection.ts";
import type { Manifest } from "../protocol/messages.ts";
import type { ChunkHasher } from "../storage/hasher.ts";
import { RunningHash } from "../storage/running_hash.ts";
import { chunkLength, chunkOffset } from "../storage/manifest.ts";
import type { ChunkStore } from "../storage/part_file.ts";
import type { BufferPool } from "./buffer_pool.ts";
import { BadChunkError, DownloadError, failureKind } from "./download_failures.ts";
import type { DownloadSources } from "./download_sources.ts";
import { HashPlacement, type PlacementClocks } from "./hash_placement.ts";
import type { Scheduler } from "./scheduler.ts";

/** The part of a connection a download uses. */
export type ChunkConnection = Pick<Connection, "requestData" | "cancel">;

/** Connections to sources by address: a {@linkcode PeerPool} outside tests. */
export interface ConnectionSource {
  /** The connection to peer `peerId` at `address`, opened on first use. */
  get(address: string, peerId: string): Promise<ChunkConnection>;
  /** Closes and forgets the connection to peer `peerId` at `address`. */
  drop(address: string, peerId: string): void;
  /** Whether we dialled the connection, or the peer dialled it back at our request, straight or relayed. */
  way?(address: string, peerId: string): "direct" | "reversed" | "relayed";
}

/** What {@linkcode ChunkRequests} works with. */
export interface ChunkRequestsOptions {
  fileId: string;
  manifest: Manifest;
  /** Where verified chunks go. */
  part: ChunkStore;
  scheduler: Scheduler;
  sources: DownloadSources;
  pool: ConnectionSource;
  /** Hashes whole chunks on a worker thread, once {@linkcode HashPlacement} moves them there. */
  hasher: ChunkHasher;
  /** The clocks the hashing's placement reads; the real ones by default. */
  clocks?: PlacementClocks;
  /** Chunk buffers, shared with the peer's other downloads. */
  buffers: BufferPool;
  /** A request unanswered this long is taken back and asked elsewhere. */
  stallTimeoutMs: number;
  /** Aborted when the download ends: failures after that are not handled. */
  signal: AbortSignal;
  /** Told of each chunk verified and written, with its length. */
  onVerified: (index: number, length: number) => void;
  /** Told when the download cannot go on. */
  onFatal: (error: DownloadError) => void;
  /** Told whenever a request ends, so the download looks for more work. */
  onSettled: () => void;
  log: Logger;
}

interface InFlight {
  peerId: string;
  index: number;
  address: string;
  /** Set once the connection is open and the request sent, so it can be cancelled. */
  connection: ChunkConnection | undefined;
  requestId: number | undefined;
  started: number;
  stalled: boolean;
  /** The chunk buffer; replaced by the worker's view of the same memory after hashing there. */
  buffer: Uint8Array;
}

/** Wall time and this process's CPU time (user and system, all threads). */
const PROCESS_CLOCKS: PlacementClocks = { nowMs: () => performance.now(), cpuMs: cpuMilliseconds };

/** Bytes of `manifest`'s file still to fetch once `done` chunks are in (whole chunks assumed). */
function remainingBytes(manifest: Manifest, done: number): number {
  return Math.max(0, manifest.size - done * manifest.chunkSize);
}

/** The requests one download has in flight. */
export class ChunkRequests {
  /** Bytes received from the network, bad chunks and lost races included. */
  bytesReceived = 0;
  #options: ChunkRequestsOptions;
  #inFlight = new Set<InFlight>();
  #placement: HashPlacement;

  /** No requests yet; {@linkcode fill} sends them. */
  constructor(options: ChunkRequestsOptions) {
    this.#options = options;
    this.#placement = new HashPlacement(options.clocks ?? PROCESS_CLOCKS);
  }

  /** Requests in flight. */
  get size(): number {
    return this.#inFlight.size;
  }

  /** Sends every request the sources' windows and the free buffers allow. */
  fill(): void {
    const { scheduler, buffers } = this.#options;
    for (const peerId of scheduler.usableSources()) {
      while (scheduler.room(peerId) > 0 && buffers.available > 0) {
        const index = scheduler.pick(peerId);
        if (index === undefined) break;
        scheduler.markRequested(peerId, index);
        this.#send(peerId, index);
      }
    }
  }

  /** Takes back the requests unanswered for too long, to be asked elsewhere. */
  checkStalls(): void {
    const now = Date.now();
    for (const flight of this.#inFlight) {
      if (flight.stalled || now - flight.started < this.#options.stallTimeoutMs) continue;
      flight.stalled = true;
      this.#options.scheduler.markStalled(flight.peerId, flight.index);
      this.#options.log.info(
        `peer ${flight.address} stalled on chunk ${flight.index}; asking another peer`,
      );
      this.#cancel(flight, "stalled");
    }
  }

  /** Cancels every request in flight at its peer. */
  cancelAll(reason: string): void {
    for (const flight of this.#inFlight) this.#cancel(flight, reason);
  }

  #send(peerId: string, index: number): void {
    const flight: InFlight = {
      peerId,
      index,
      address: this.#options.sources.address(peerId),
      connection: undefined,
      requestId: undefined,
      started: Date.now(),
      stalled: false,
      buffer: this.#options.buffers.take()!,
    };
    this.#inFlight.add(flight);
    this.#fetch(flight)
      .catch((error) => this.#onFailure(flight, error))
      .finally(() => {
        this.#inFlight.delete(flight);
        this.#options.buffers.give(flight.buffer);
        this.#options.onSettled();
      });
  }

  async #fetch(flight: InFlight): Promise<void> {
    const { fileId, manifest, scheduler, part } = this.#options;
    const target = flight.buffer.subarray(0, chunkLength(manifest, flight.index));
    const connection = await this.#options.pool.get(flight.address, flight.peerId);
    flight.connection = connection;
    const running = this.#placement.onWorker ? undefined : new RunningHash(target);
    let data = await connection.requestData(
      { t: "get", fileId, index: flight.index },
      (length) => {
        if (length !== target.length) {
          throw new BadChunkError(
            `sent ${length} bytes for chunk ${flight.index}, expected ${target.length}`,
          );
        }
        return target;
      },
      { onId: (id) => flight.requestId = id, onFilled: running && ((n) => running.advance(n)) },
    );
    this.bytesReceived += data.length;
    if (scheduler.done.has(flight.index)) return;
    let hash: string;
    if (running) {
      // All of it is in: whatever the reads did not take in yet.
      running.advance(data.length);
      hash = running.digest();
    } else {
      const hashed = await this.#options.hasher.hash(data);
      flight.buffer = data = hashed.data;
      hash = hashed.hash;
    }
    if (hash !== manifest.chunkHashes[flight.index]) {
      throw new BadChunkError(`chunk ${flight.index} failed verification`);
    }
    if (scheduler.done.has(flight.index)) return;
    await part.write(chunkOffset(manifest, flight.index), data).catch((error) => {
      throw new DownloadError(`cannot write ${part.path}: ${errorMessage(error)}`);
    });
    if (scheduler.done.has(flight.index)) return;
    this.#options.sources.served(flight.address);
    const losers = scheduler.markDone(flight.peerId, flight.index);
    this.#cancelDuplicates(flight, losers);
    this.#placement.update(remainingBytes(manifest, scheduler.done.count));
    this.#options.onVerified(flight.index, data.length);
  }

  #onFailure(flight: InFlight, error: unknown): void {
    if (this.#options.signal.aborted) return;
    const { scheduler, pool, log } = this.#options;
    const kind = failureKind(error);
    if (kind === "fatal") {
      this.#options.onFatal(error as DownloadError);
      return;
    }
    if (kind === "bad-chunk") {
      log.warn(`peer ${flight.address} sent bad data: ${errorMessage(error)}; asking another peer`);
      if (scheduler.markBad(flight.peerId, flight.index)) {
        log.warn(`peer ${flight.address} banned for this download after repeated bad chunks`);
        pool.drop(flight.address, flight.peerId);
      }
      return;
    }
    if (flight.stalled) return;
    scheduler.markFailed(flight.peerId, flight.index);
    // The requests a ban cut off fail as a closed connection: nothing more to learn.
    if (scheduler.isBanned(flight.peerId)) return;
    if (kind === "declined") {
      scheduler.markDeclined(flight.peerId, flight.index);
    } else if (kind === "lost") {
      const first = this.#options.sources.lost(flight.peerId, flight.address);
      const line = `peer ${flight.address} unreachable (${errorMessage(error)}); using the others`;
      if (first) log.info(`${line}, and trying it again now and then`);
      else log.debug(line);
      pool.drop(flight.address, flight.peerId);
    } else {
      scheduler.markUnavailable(flight.peerId, flight.index);
      log.debug(`chunk ${flight.index} from ${flight.address} failed: ${errorMessage(error)}`);
    }
  }

  /** Cancels the duplicates of `winner`'s chunk still asked of `losers` (endgame). */
  #cancelDuplicates(winner: InFlight, losers: string[]): void {
    for (const flight of this.#inFlight) {
      if (flight !== winner && flight.index === winner.index && losers.includes(flight.peerId)) {
        this.#cancel(flight, "another peer delivered it first");
      }
    }
  }

  /** The one way a request is cancelled: on the connection it was sent on. */
  #cancel(flight: InFlight, reason: string): void {
    if (flight.requestId === undefined) return;
    flight.connection?.cancel(flight.requestId, reason);
  }
}
