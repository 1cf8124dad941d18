/**
 * One download: finds sources, asks them for chunks under the
 * {@linkcode Scheduler}'s rules, verifies every chunk before writing it at
 * its offset into the `.part` file, and renames the file into place once
 * all chunks are in. Memory is bounded by a fixed pool of chunk buffers.
 *
 * @module
 */

import { join } from "node:path";
import {
  MAX_SOURCE_WAIT_MS,
  PEER_RETRY_DELAY_MS,
  SOURCE_REFRESH_MS,
  STALL_TIMEOUT_MS,
} from "../constants.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import type { Manifest, Source } from "../protocol/messages.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { hashFile } from "../storage/hash_file.ts";
import type { ChunkHasher } from "../storage/hasher.ts";
import { chunkLength, chunkOffset } from "../storage/manifest.ts";
import { PartFile } from "../storage/part_file.ts";
import { candidatePaths, sanitizeFileName } from "../storage/safe_name.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { PeerPool } from "./peer_pool.ts";
import { Scheduler } from "./scheduler.ts";

/** Where a download stands. */
export type DownloadState = "starting" | "running" | "waiting" | "done" | "failed" | "cancelled";

/** A snapshot of a download's progress. */
export interface DownloadProgress {
  /** Local download number. */
  id: number;
  /** File ID. */
  fileId: string;
  /** File name. */
  name: string;
  /** Where it stands. */
  state: DownloadState;
  /** Verified bytes. */
  bytesDone: number;
  /** File size. */
  bytesTotal: number;
  /** Sources currently usable. */
  sources: number;
  /** Final path, once chosen. */
  path: string | undefined;
  /** Why it failed or waits, when it does. */
  message: string | undefined;
  /** Milliseconds since it started. */
  elapsedMs: number;
}

/** What a finished download produced. */
export interface DownloadResult {
  /** File ID. */
  fileId: string;
  /** Final path of the verified file. */
  path: string;
  /** File size. */
  size: number;
  /** Time it took. */
  elapsedMs: number;
  /** Bytes received from the network (including re-fetched bad chunks). */
  bytesReceived: number;
  /** True when the file was already present with the same content. */
  alreadyPresent: boolean;
}

/** Where sources come from: the server, LAN peers, or both. */
export type SourceFinder = (fileId: string) => Promise<Source[]>;

/** Called when a download has a `.part` file and may serve its verified chunks. */
export type PartialListener = (options: {
  fileId: string;
  manifest: Manifest;
  path: string;
  part: PartFile;
  chunks: Bitfield;
}) => void;

/** Options of {@linkcode Download}. */
export interface DownloadOptions {
  /** Local download number. */
  id: number;
  /** Folder the file goes into. */
  outDir: string;
  /** Connections to other peers. */
  pool: PeerPool;
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
  /** Where log lines go. */
  log?: Logger;
  /** Resume into this final path, trusting none of the recorded chunks until re-verified. */
  resume?: { path: string; chunks: number[] };
}

interface InFlight {
  peerId: string;
  index: number;
  requestId: number | undefined;
  started: number;
  address: string;
  stalled: boolean;
  /** The chunk buffer; replaced by the hasher's view after hashing. */
  buffer: Uint8Array;
}

/** Thrown to the caller when a download cannot finish. */
export class DownloadError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

/** A running download of one file. */
export class Download {
  /** File ID. */
  readonly fileId: string;
  /** Manifest. */
  readonly manifest: Manifest;
  /** Resolves when the file is complete and verified; rejects on failure or cancel. */
  readonly done: Promise<DownloadResult>;
  #options: DownloadOptions;
  #log: Logger;
  #scheduler: Scheduler;
  #state: DownloadState = "starting";
  #message: string | undefined;
  #path: string | undefined;
  #started = Date.now();
  #bytesDone = 0;
  #bytesReceived = 0;
  #addresses = new Map<string, string>();
  #inFlight = new Set<InFlight>();
  #wake: (() => void) | undefined;
  #controller = new AbortController();
  #lastRefresh = 0;
  #failedAddresses = new Map<string, number>();
  #failure: DownloadError | undefined;

  /** Starts downloading `fileId` described by `manifest`. */
  constructor(fileId: string, manifest: Manifest, options: DownloadOptions) {
    this.fileId = fileId;
    this.manifest = manifest;
    this.#options = options;
    this.#log = options.log ?? silentLogger();
    this.#scheduler = new Scheduler(manifest.chunkHashes.length);
    this.done = this.#run();
    this.done.catch(() => {});
  }

  /** Current progress. */
  progress(): DownloadProgress {
    return {
      id: this.#options.id,
      fileId: this.fileId,
      name: this.manifest.name,
      state: this.#state,
      bytesDone: this.#bytesDone,
      bytesTotal: this.manifest.size,
      sources: this.#scheduler.usableSources().length,
      path: this.#path,
      message: this.#message,
      elapsedMs: Date.now() - this.#started,
    };
  }

  /**
   * Learns that peer `peerId` at `address` now holds `chunks` (news pushed by
   * the server), so they can be asked for at once.
   */
  addChunks(peerId: string, options: { address: string; chunks: number[] }): void {
    if (peerId === this.#options.selfId) return;
    const retryAt = this.#failedAddresses.get(options.address) ?? 0;
    if (Date.now() < retryAt) return;
    const count = this.manifest.chunkHashes.length;
    const valid = options.chunks.filter((index) => index < count);
    this.#addresses.set(peerId, options.address);
    this.#scheduler.addChunks(peerId, valid);
    this.#wakeUp();
  }

  /** Stops the download, keeping the `.part` file. */
  cancel(): void {
    if (this.#state === "done" || this.#state === "failed") return;
    this.#state = "cancelled";
    this.#controller.abort();
    this.#wakeUp();
  }

  async #run(): Promise<DownloadResult> {
    try {
      const result = await this.#download();
      this.#state = "done";
      this.#message = undefined;
      return result;
    } catch (error) {
      if (this.#state !== "cancelled") this.#state = "failed";
      this.#message = errorMessage(error);
      throw error instanceof DownloadError ? error : new DownloadError(errorMessage(error));
    } finally {
      this.#cancelAll();
    }
  }

  async #download(): Promise<DownloadResult> {
    const resume = this.#options.resume;
    const name = sanitizeFileName(this.manifest.name);
    await Deno.mkdir(this.#options.outDir, { recursive: true }).catch((error) => {
      throw new DownloadError(
        `cannot create the folder ${this.#options.outDir}: ${errorMessage(error)}`,
      );
    });
    if (!resume) {
      const existing = await this.#findExisting(name);
      if (existing) {
        this.#path = existing;
        this.#bytesDone = this.manifest.size;
        return this.#result(existing, true);
      }
    }
    const path = resume?.path ?? await this.#choosePath(name);
    this.#path = path;
    const part = await PartFile.open(path, { size: this.manifest.size }).catch((error) => {
      throw new DownloadError(`cannot write into ${this.#options.outDir}: ${errorMessage(error)}`);
    });
    try {
      if (resume) await this.#reverify(part, resume.chunks);
      this.#options.onPartial?.({
        fileId: this.fileId,
        manifest: this.manifest,
        path,
        part,
        chunks: this.#scheduler.done,
      });
      this.#state = "running";
      await this.#fetchAll(part);
      const finalPath = await this.#finish(part, path);
      this.#path = finalPath;
      return this.#result(finalPath, false);
    } finally {
      await part.close();
    }
  }

  #result(path: string, alreadyPresent: boolean): DownloadResult {
    return {
      fileId: this.fileId,
      path,
      size: this.manifest.size,
      elapsedMs: Date.now() - this.#started,
      bytesReceived: this.#bytesReceived,
      alreadyPresent,
    };
  }

  /** Counts the recorded chunks of a resumed `.part` file that still hash right. */
  async #reverify(part: PartFile, recorded: number[]): Promise<void> {
    const unique = [...new Set(recorded)].filter((i) => i < this.manifest.chunkHashes.length);
    let buffer: Uint8Array = new Uint8Array(this.manifest.chunkSize);
    for (const index of unique) {
      this.#controller.signal.throwIfAborted();
      const length = chunkLength(this.manifest, index);
      const view = buffer.subarray(0, length);
      if (await part.read(chunkOffset(this.manifest, index), view) !== length) continue;
      const hashed = await this.#options.hasher.hash(view);
      buffer = new Uint8Array(hashed.data.buffer);
      if (hashed.hash !== this.manifest.chunkHashes[index]) continue;
      this.#scheduler.done.set(index);
      this.#bytesDone += length;
    }
    this.#log.info(
      `resuming ${this.manifest.name}: ${this.#scheduler.done.count} of ` +
        `${this.manifest.chunkHashes.length} chunks already verified`,
    );
  }

  /** A file with this name and the same content already in the folder, if any. */
  async #findExisting(name: string): Promise<string | undefined> {
    for (const path of candidatePaths(this.#options.outDir, name)) {
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(path);
      } catch {
        return undefined;
      }
      if (info.isFile && info.size === this.manifest.size) {
        const hashed = await hashFile(path, { chunkSize: this.manifest.chunkSize });
        if (hashed.fileId === this.fileId) {
          this.#log.info(`${path} already has this content; nothing to download`);
          return path;
        }
      }
    }
    return undefined;
  }

  /** The first free final path whose `.part` is free too or ours to resume. */
  async #choosePath(name: string): Promise<string> {
    for (const path of candidatePaths(this.#options.outDir, name)) {
      if (!await exists(path)) {
        if (path !== join(this.#options.outDir, name)) {
          this.#log.warn(
            `a different ${name} exists in ${this.#options.outDir}; saving as ${path}`,
          );
        }
        return path;
      }
    }
    throw new DownloadError(`too many files named like ${name} in ${this.#options.outDir}`);
  }

  async #finish(part: PartFile, path: string): Promise<string> {
    for (
      const candidate of [
        path,
        ...candidatePaths(this.#options.outDir, sanitizeFileName(this.manifest.name)),
      ]
    ) {
      try {
        await part.finish(candidate);
        return candidate;
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    }
    throw new DownloadError(`no free name for ${this.manifest.name} in ${this.#options.outDir}`);
  }

  async #fetchAll(part: PartFile): Promise<void> {
    const signal = this.#controller.signal;
    const stallTimer = setInterval(() => this.#checkStalls(), STALL_TIMEOUT_MS / 4);
    const stopWaking = this.#options.buffers.onRelease(() => this.#wakeUp());
    let waitMs = 0;
    try {
      while (!this.#scheduler.complete) {
        signal.throwIfAborted();
        if (Date.now() - this.#lastRefresh >= SOURCE_REFRESH_MS) await this.#refreshSources();
        this.#fill(part);
        if (this.#inFlight.size === 0 && this.#options.buffers.available > 0) {
          if (this.#scheduler.complete) break;
          waitMs = Math.min(MAX_SOURCE_WAIT_MS, Math.max(SOURCE_REFRESH_MS / 4, waitMs * 2));
          const message = this.#scheduler.usableSources().length === 0
            ? "waiting for a peer that has this file"
            : "waiting for a peer that has the missing chunks";
          if (this.#state !== "waiting") this.#log.info(`${this.manifest.name}: ${message}`);
          this.#state = "waiting";
          this.#message = message;
          await this.#sleep(waitMs);
          this.#lastRefresh = 0;
          continue;
        }
        waitMs = 0;
        if (this.#state === "waiting") {
          this.#state = "running";
          this.#message = undefined;
          this.#log.info(`${this.manifest.name}: sources found, downloading again`);
        }
        await this.#sleep(SOURCE_REFRESH_MS);
      }
    } catch (error) {
      if (this.#failure) throw this.#failure;
      if (signal.aborted) throw new DownloadError("download cancelled");
      throw error;
    } finally {
      clearInterval(stallTimer);
      stopWaking();
    }
  }

  async #refreshSources(): Promise<void> {
    this.#lastRefresh = Date.now();
    let sources: Source[];
    try {
      sources = await this.#options.findSources(this.fileId);
    } catch (error) {
      this.#message = `cannot look sources up: ${errorMessage(error)}`;
      this.#log.debug(this.#message);
      return;
    }
    const count = this.manifest.chunkHashes.length;
    this.#scheduler.retainSources(new Set(sources.map((source) => source.peerId)));
    for (const source of sources) {
      // This peer is a source of its own only when it holds the whole file
      // (a copy into another folder); its partial downloads hold nothing new.
      if (source.peerId === this.#options.selfId && source.chunks !== undefined) continue;
      const retryAt = this.#failedAddresses.get(source.address) ?? 0;
      if (Date.now() < retryAt) continue;
      let chunks: Bitfield;
      try {
        chunks = source.chunks === undefined
          ? Bitfield.full(count)
          : Bitfield.fromBase64(source.chunks, count);
      } catch {
        continue;
      }
      this.#addresses.set(source.peerId, source.address);
      this.#scheduler.updateSource(source.peerId, chunks);
    }
  }

  #fill(part: PartFile): void {
    for (const peerId of this.#scheduler.usableSources()) {
      while (this.#scheduler.room(peerId) > 0 && this.#options.buffers.available > 0) {
        const index = this.#scheduler.pick(peerId);
        if (index === undefined) break;
        this.#scheduler.markRequested(peerId, index);
        this.#fetch(part, peerId, index);
      }
    }
  }

  #fetch(part: PartFile, peerId: string, index: number): void {
    const address = this.#addresses.get(peerId)!;
    const flight: InFlight = {
      peerId,
      index,
      requestId: undefined,
      started: Date.now(),
      address,
      stalled: false,
      buffer: this.#options.buffers.take()!,
    };
    this.#inFlight.add(flight);
    const expected = chunkLength(this.manifest, index);
    this.#fetchChunk(flight, flight.buffer.subarray(0, expected), part)
      .catch((error) => this.#onFailure(flight, error))
      .finally(() => {
        this.#inFlight.delete(flight);
        this.#options.buffers.give(flight.buffer);
        this.#wakeUp();
      });
  }

  async #fetchChunk(flight: InFlight, target: Uint8Array, part: PartFile): Promise<void> {
    const connection = await this.#options.pool.get(flight.address);
    const data = await connection.requestData(
      { t: "get", fileId: this.fileId, index: flight.index },
      {
        allocate: (length) => {
          if (length !== target.length) {
            throw new BadChunkError(
              `sent ${length} bytes for chunk ${flight.index}, expected ${target.length}`,
            );
          }
          return target;
        },
        onId: (id) => flight.requestId = id,
      },
    );
    this.#bytesReceived += data.length;
    if (this.#scheduler.done.has(flight.index)) return;
    const hashed = await this.#options.hasher.hash(data);
    flight.buffer = hashed.data;
    if (hashed.hash !== this.manifest.chunkHashes[flight.index]) {
      throw new BadChunkError(`chunk ${flight.index} failed verification`);
    }
    if (this.#scheduler.done.has(flight.index)) return;
    await part.write(chunkOffset(this.manifest, flight.index), hashed.data).catch((error) => {
      throw new DownloadError(`cannot write ${part.path}: ${errorMessage(error)}`);
    });
    if (this.#scheduler.done.has(flight.index)) return;
    const losers = this.#scheduler.markDone(flight.peerId, flight.index);
    this.#bytesDone += hashed.data.length;
    this.#cancelDuplicates(flight, losers);
    this.#options.onChunk?.(flight.index);
  }

  #onFailure(flight: InFlight, error: unknown): void {
    if (this.#controller.signal.aborted) return;
    if (error instanceof DownloadError) {
      this.#message = error.message;
      this.#controller.abort();
      this.#failure = error;
      return;
    }
    if (error instanceof BadChunkError) {
      const banned = this.#scheduler.markBad(flight.peerId, flight.index);
      this.#log.warn(`peer ${flight.address} sent bad data: ${error.message}; asking another peer`);
      if (banned) {
        this.#log.warn(`peer ${flight.address} banned for this download after repeated bad chunks`);
        this.#options.pool.drop(flight.address);
      }
      return;
    }
    if (flight.stalled) return;
    this.#scheduler.markFailed(flight.peerId, flight.index);
    const message = errorMessage(error);
    if (isConnectionFailure(error)) {
      this.#log.info(`peer ${flight.address} unreachable (${message}); using the others`);
      this.#scheduler.removeSource(flight.peerId);
      this.#failedAddresses.set(flight.address, Date.now() + PEER_RETRY_DELAY_MS);
      this.#options.pool.drop(flight.address);
    } else {
      this.#scheduler.markUnavailable(flight.peerId, flight.index);
      this.#log.debug(`chunk ${flight.index} from ${flight.address} failed: ${message}`);
    }
  }

  #cancelDuplicates(winner: InFlight, losers: string[]): void {
    if (losers.length === 0) return;
    for (const flight of this.#inFlight) {
      if (flight === winner || flight.index !== winner.index) continue;
      if (!losers.includes(flight.peerId) || flight.requestId === undefined) continue;
      this.#options.pool.get(flight.address).then(
        (connection) => connection.cancel(flight.requestId!, "another peer delivered it first"),
        () => {},
      );
    }
  }

  #checkStalls(): void {
    const now = Date.now();
    for (const flight of this.#inFlight) {
      if (flight.stalled || now - flight.started < STALL_TIMEOUT_MS) continue;
      flight.stalled = true;
      this.#scheduler.markStalled(flight.peerId, flight.index);
      this.#log.info(
        `peer ${flight.address} stalled on chunk ${flight.index}; asking another peer`,
      );
      if (flight.requestId !== undefined) {
        this.#options.pool.get(flight.address).then(
          (connection) => connection.cancel(flight.requestId!, "stalled"),
          () => {},
        );
      }
    }
    this.#wakeUp();
  }

  #cancelAll(): void {
    for (const flight of this.#inFlight) {
      if (flight.requestId === undefined) continue;
      this.#options.pool.get(flight.address).then(
        (connection) => connection.cancel(flight.requestId!, "download ended"),
        () => {},
      );
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #wakeUp(): void {
    this.#wake?.();
  }
}

/** A peer sent bytes that are not the chunk asked for. */
class BadChunkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadChunkError";
  }
}

function isConnectionFailure(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    (error instanceof Error && /closed|timed out|no answer|refused/.test(error.message) &&
      error.name !== "RemoteError");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
