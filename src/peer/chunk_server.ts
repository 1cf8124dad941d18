/**
 * The part of a peer that serves chunks to other peers. Each request waits
 * for an upload slot in a fair queue, reads the chunk into that slot's
 * reused buffer right behind the frame header, and goes out in one write.
 *
 * @module
 */

import { MAX_CHUNK_SIZE, MS_PER_SECOND } from "../constants.ts";
import {
  CHUNK_IDLE_TIMEOUT_MS,
  UPLOAD_MIN_BYTES_PER_SECOND,
  UPLOAD_SLOTS,
  UPLOAD_SLOTS_PER_REQUESTER,
  UPLOAD_WRITE_GRACE_MS,
} from "./constants.ts";
import type net from "node:net";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { Acceptor } from "../protocol/acceptor.ts";
import type { Credentials } from "../protocol/dial.ts";
import type { Connection } from "../protocol/connection.ts";
import { DATA_HEADER_BYTES, ProtocolError, writeDataHeader } from "../protocol/frame.ts";
import { parseMessage, peerToPeerSchema } from "../protocol/messages.ts";
import {
  DEFAULT_REQUEST_RATE,
  RequestRate,
  type RequestRateLimits,
} from "../protocol/request_rate.ts";
import { TimeoutError, withTimeout } from "../protocol/timeouts.ts";
import { SourceChangedError } from "../storage/chunk_source.ts";
import { chunkLength } from "../storage/manifest.ts";
import { heldChunks, type Library, sharedEntry } from "./library.ts";
import { DECLINED_CODE, type SeedRequest, SeedSpread } from "./seed_spread.ts";
import { UploadQueue } from "./upload_queue.ts";

/**
 * What a chunk port that takes transfer codes adds to chunk serving (see
 * transfer_host.ts): the code exchange of dialers that came with a code,
 * and requests besides chunk requests.
 */
export interface GuestDesk {
  /** Handles `raw` if it is one of its messages (resolves true); throws to close the connection. */
  handle(connection: Connection, raw: Record<string, unknown>): Promise<boolean>;
  /** Whether `connection` may ask for chunks: one that came with a code only once it proved it. */
  admitted(connection: Connection): boolean;
  /** Told when a connection ends. */
  ended(connection: Connection): void;
}

/** Options of {@linkcode ChunkServer.start}. */
export interface ChunkServerOptions {
  /** Interface to listen on. */
  hostname: string;
  /** Port, 0 for any free one. */
  port: number;
  /** What can be served. */
  library: Library;
  /** This peer's identity, and the network key every requester must prove. */
  credentials: Credentials;
  log?: Logger;
  /** Silence after which a requester's connection is closed; default {@linkcode CHUNK_IDLE_TIMEOUT_MS}. */
  idleMs?: number;
  /** Requests one connection may send; default `DEFAULT_REQUEST_RATE`. */
  requestRate?: RequestRateLimits;
  /** Concurrent uploads; default {@linkcode UPLOAD_SLOTS}. */
  uploadSlots?: number;
  /** Told when a shared file turns out to be gone or changed on disk. */
  onSourceChanged?: (fileId: string, error: SourceChangedError) => void;
  /** Takes dialers that come with a transfer code too, through this desk. */
  desk?: GuestDesk;
  /**
   * Takes a connection whose dialer says `reversed` (a source dialling
   * back, see reversal.ts) if a download waits for it; false refuses it.
   */
  reversals?: { offer(connection: Connection, ended: Promise<void>): boolean };
}

/** Serves chunks of the library to other peers over TCP. */
export class ChunkServer {
  /** `host:port` it listens on. */
  readonly address: string;
  /** Port it listens on. */
  readonly port: number;
  /** Hostname it listens on. */
  readonly hostname: string;
  #acceptor: Acceptor;
  #library: Library;
  #log: Logger;
  #queue: UploadQueue;
  #idleMs: number;
  #requestRate: RequestRateLimits;
  #buffers: Uint8Array[] = [];
  #uploadedBytes = 0;
  #uploadsServed = 0;
  #onSourceChanged: ChunkServerOptions["onSourceChanged"];
  #desk: GuestDesk | undefined;
  #spread = new SeedSpread();
  /** Peer ID -> its connections being served. */
  #served = new Map<string, number>();
  #reversals: ChunkServerOptions["reversals"];
  /** Connections this peer dialled to serve (reversal). */
  #dialled = new Set<Connection>();

  private constructor(acceptor: Acceptor, options: ChunkServerOptions) {
    this.#acceptor = acceptor;
    this.#library = options.library;
    this.#log = options.log ?? silentLogger();
    const slots = options.uploadSlots ?? UPLOAD_SLOTS;
    this.#queue = new UploadQueue(slots, {
      perRequester: Math.min(UPLOAD_SLOTS_PER_REQUESTER, Math.max(1, slots - 1)),
    });
    this.#idleMs = options.idleMs ?? CHUNK_IDLE_TIMEOUT_MS;
    this.#requestRate = options.requestRate ?? DEFAULT_REQUEST_RATE;
    this.#onSourceChanged = options.onSourceChanged;
    this.#desk = options.desk;
    this.#reversals = options.reversals;
    this.address = this.#acceptor.address;
    this.port = this.#acceptor.addr.port;
    this.hostname = this.#acceptor.addr.hostname;
  }

  /** Starts listening; throws a clear error when the address is taken. */
  static async start(options: ChunkServerOptions): Promise<ChunkServer> {
    let server: ChunkServer | undefined = undefined;
    const acceptor = await Acceptor.open({ host: options.hostname, port: options.port }, {
      role: "peer",
      accept: ["peer"],
      guests: options.desk !== undefined,
      credentials: options.credentials,
      log: options.log ?? silentLogger(),
      onConnection: (connection) => server!.#serve(connection),
    });
    server = new ChunkServer(acceptor, options);
    return server;
  }

  /** Chunk bytes sent to other peers so far. */
  get uploadedBytes(): number {
    return this.#uploadedBytes;
  }

  /** Chunks sent to other peers so far. */
  get uploadsServed(): number {
    return this.#uploadsServed;
  }

  /** Number of peers connected to download from us. */
  get connections(): number {
    return this.#acceptor.connections;
  }

  /** Stops serving and closes every connection. */
  async close(): Promise<void> {
    for (const connection of this.#dialled) connection.close("peer shutting down");
    await this.#acceptor.close("peer shutting down");
  }

  /**
   * Answers, over `socket` (opened to a relay), a source that
   * dials this peer through the relay: the usual handshake, then the
   * source's `reversed` hands the connection to the download waiting for it.
   */
  acceptRelayed(socket: net.Socket): void {
    this.#acceptor.adopt(socket);
  }

  /**
   * Serves chunks over a connection this peer dialled (to a downloader that
   * asked for it, see reversal.ts), as over one it accepted, until it ends.
   */
  async serveDialled(connection: Connection): Promise<void> {
    this.#dialled.add(connection);
    try {
      await this.#serve(connection);
    } finally {
      this.#dialled.delete(connection);
    }
  }

  async #serve(connection: Connection): Promise<void> {
    const peerId = connection.remoteId;
    this.#served.set(peerId, (this.#served.get(peerId) ?? 0) + 1);
    let reversed = false;
    let end = () => {};
    const ended = new Promise<void>((resolve) => end = resolve);
    const cancels = new Map<number, AbortController>();
    let idle: ReturnType<typeof setTimeout> | undefined;
    const rearm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        if (cancels.size === 0) connection.close(`idle for ${this.#idleMs} ms`);
        else rearm();
      }, this.#idleMs);
    };
    rearm();
    const rate = new RequestRate(Date.now(), this.#requestRate);
    let refusals = 0;
    try {
      await connection.run((raw) => {
        if (reversed) throw new ProtocolError("a source that dialled back only answers requests");
        if (raw.t === "reversed") {
          if (!this.#reversals?.offer(connection, ended)) {
            throw new ProtocolError("this peer asked nobody to dial it back");
          }
          // The download that asked owns it now: its requests, its idle time.
          reversed = true;
          clearTimeout(idle);
          return;
        }
        rearm();
        if (rate.take(Date.now())) return this.#handle(connection, cancels, raw);
        if (refusals++ === 0) {
          this.#log.warn(
            `peer ${connection.remoteId} (${connection.remote}) sends more than ` +
              `${this.#requestRate.perSecond} requests a second: refusing the excess`,
          );
        }
        if (typeof raw.id !== "number") return;
        return connection.replyError(raw.id, {
          code: "rate-limited",
          message: `too many requests: this peer takes ${this.#requestRate.perSecond} a second ` +
            `from one peer; wait a moment and ask again`,
        });
      });
    } finally {
      end();
      clearTimeout(idle);
      for (const controller of cancels.values()) controller.abort();
      this.#desk?.ended(connection);
      const open = this.#served.get(peerId)! - 1;
      if (open > 0) {
        this.#served.set(peerId, open);
      } else {
        this.#served.delete(peerId);
        this.#spread.left(peerId);
      }
    }
  }

  async #handle(
    connection: Connection,
    cancels: Map<number, AbortController>,
    raw: Record<string, unknown>,
  ): Promise<void> {
    if (this.#desk && await this.#desk.handle(connection, raw)) return;
    if (this.#desk && !this.#desk.admitted(connection)) {
      throw new ProtocolError("prove the transfer code before asking for anything else");
    }
    const message = parseMessage(peerToPeerSchema, raw);
    switch (message.t) {
      case "get": {
        const controller = new AbortController();
        cancels.set(message.id, controller);
        this.#upload(connection, message, controller.signal)
          .catch((error) => {
            if (error instanceof SourceChangedError) this.#onSourceChanged?.(message.fileId, error);
            if (controller.signal.aborted || connection.closed) return;
            const declined = error instanceof DeclinedError;
            if (!declined) {
              this.#log.debug(`upload to ${connection.remote} failed: ${errorMessage(error)}`);
            }
            return connection.replyError(message.id, {
              code: declined ? DECLINED_CODE : "unavailable",
              message: errorMessage(error),
            });
          })
          .catch(() => {})
          .finally(() => cancels.delete(message.id));
        return;
      }
      case "cancel":
        cancels.get(message.re)?.abort();
        return;
      case "bitfield": {
        const file = this.#library.get(message.fileId);
        if (!file) {
          await connection.replyError(message.id, {
            code: "not-found",
            message: `this peer does not share ${message.fileId}`,
          });
          return;
        }
        await connection.reply(message.id, { chunks: heldChunks(file).toBase64() });
        return;
      }
      case "search": {
        const matches = this.#library.search(message.query).map(sharedEntry);
        await connection.reply(message.id, { matches });
        return;
      }
      case "bye":
        connection.close("peer said goodbye");
        return;
    }
  }

  async #upload(
    connection: Connection,
    request: { id: number; fileId: string; index: number },
    signal: AbortSignal,
  ): Promise<void> {
    const file = this.#library.get(request.fileId);
    if (!file) throw new Error(`this peer does not share ${request.fileId}`);
    if (request.index >= file.manifest.chunkHashes.length) {
      throw new Error(`chunk ${request.index} is out of range`);
    }
    if (file.chunks && !file.chunks.has(request.index)) {
      throw new Error(`this peer does not have chunk ${request.index} yet`);
    }
    const spread = file.chunks ? undefined : {
      fileId: request.fileId,
      chunkCount: file.manifest.chunkHashes.length,
      index: request.index,
      requester: connection.remoteId,
    };
    if (spread) this.#decline(spread);
    const slot = await this.#queue.acquire(connection.remoteId, signal);
    let sent = false;
    try {
      signal.throwIfAborted();
      if (spread) {
        this.#decline(spread);
        this.#spread.start(spread);
      }
      this.#buffers[slot] ??= new Uint8Array(DATA_HEADER_BYTES + MAX_CHUNK_SIZE);
      const length = chunkLength(file.manifest, request.index);
      const frame = this.#buffers[slot].subarray(0, DATA_HEADER_BYTES + length);
      await file.read(request.index, frame.subarray(DATA_HEADER_BYTES));
      signal.throwIfAborted();
      writeDataHeader(frame, request.id, { length });
      await withTimeout(connection.sendRaw(frame), {
        ms: uploadWriteTimeout(length),
        what: `sending chunk ${request.index} to ${connection.remote}`,
      }).catch((error) => {
        // A requester that stops reading must not keep the slot: closing
        // the connection ends the blocked write and frees it.
        if (error instanceof TimeoutError) connection.close("stopped reading its chunks");
        throw error;
      });
      this.#uploadedBytes += length;
      this.#uploadsServed++;
      sent = true;
    } finally {
      this.#queue.release(slot);
      if (spread) this.#spread.end(spread, { now: Date.now(), ok: sent });
    }
  }

  /** Throws a {@linkcode DeclinedError} when super-seeding holds this chunk back. */
  #decline(request: SeedRequest): void {
    if (!this.#spread.declines(request, Date.now())) return;
    throw new DeclinedError(
      `chunk ${request.index} was just sent to another peer: fetch it from the swarm`,
    );
  }
}

/** A request for a chunk held back by super-seeding (see seed_spread.ts). */
class DeclinedError extends Error {}

/**
 * Time allowed to hand one chunk of `length` bytes to a requester: a grace
 * period plus the time at the slowest rate an honest link has.
 */
export function uploadWriteTimeout(length: number): number {
  return UPLOAD_WRITE_GRACE_MS + Math.ceil(length / UPLOAD_MIN_BYTES_PER_SECOND * MS_PER_SECOND);
}
