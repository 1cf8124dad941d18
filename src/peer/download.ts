/**
 * One download: checks that the manifest is the file asked for, finds
 * sources, has its {@linkcode ChunkRequests} fetch and verify the chunks
 * into a `.part` file of its own, checks the file whole, and renames it
 * into place atomically, never over another file (see download_part.ts).
 * It waits (looking again, less and less often) while no source has what
 * is missing, and fails when every source left is banned for sending bad
 * data. Memory is bounded by the peer's fixed pool of chunk buffers.
 *
 * A folder's chunks go straight into the files of a staging folder, and
 * a download of one file of a folder (`inside`) fetches only the chunks
 * that hold its bytes, keeping that file's part of them in a staging file
 * (see download_folder.ts); both resume like a file's `.part`.
 *
 * @module
 */

import { basename } from "node:path";
import { SOURCE_REFRESH_MS } from "../constants.ts";
import {
  BANNED_SOURCES_GIVE_UP_MS,
  BUSY_SOURCE_REFRESH_MS,
  MAX_SOURCE_WAIT_MS,
  STALL_TIMEOUT_MS,
} from "./constants.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import type { Manifest } from "../protocol/messages.ts";
import { folderFile } from "../storage/folder_file.ts";
import { FolderLayout } from "../storage/folder_stream.ts";
import { chunkLength, computeFileId } from "../storage/manifest.ts";
import type { ChunkStore } from "../storage/part_file.ts";
import { ChunkRequests } from "./chunk_requests.ts";
import { DownloadError } from "./download_failures.ts";
import type { DownloadOptions, FoundSources } from "./download_options.ts";
import { DownloadOutput, type DownloadTarget, localCopyPath } from "./download_output.ts";
import { makeOutDir } from "./download_part.ts";
import {
  type DownloadProgress,
  type DownloadResult,
  type DownloadState,
  waysSummary,
} from "./download_progress.ts";
import { reverifyChunks } from "./download_reverify.ts";
import { DownloadSources, type SourceWay } from "./download_sources.ts";
import { bannedFailure, BannedWatch, waitingMessage } from "./download_wait.ts";
import { Waker } from "./waker.ts";
import { Scheduler } from "./scheduler.ts";

/** A running download of one file. */
export class Download {
  readonly fileId: string;
  readonly manifest: Manifest;
  /** The path of the one file of the folder fetched, if only one is. */
  readonly inside: string | undefined;
  /** Resolves when the file is complete and verified; rejects on failure or cancel. */
  readonly done: Promise<DownloadResult>;
  /**
   * Resolves once the download has ended and what follows its end is done
   * (after a success, `onFinished`: shared whole, its journal ended); never
   * rejects. What waits for downloads to be over (the shell's `wait`) waits
   * for this, while `done` and the `Downloaded` line come as soon as the
   * file is in place.
   */
  readonly settled: Promise<void>;
  #finished: Promise<void> | undefined;
  #options: DownloadOptions;
  #log: Logger;
  #scheduler: Scheduler;
  /** The folder's files, once a progress snapshot asked for them. */
  #layout: FolderLayout | undefined;
  #sources: DownloadSources;
  #requests: ChunkRequests | undefined;
  #state: DownloadState = "starting";
  #message: string | undefined;
  #path: string | undefined;
  #started = Date.now();
  #bytesDone = 0;
  /** Bytes of the chunks to fetch. */
  #bytesTotal: number;
  /** How many chunks to fetch. */
  #chunksWanted: number;
  /** The file of the folder fetched alone, if any, and its index among the entries. */
  #target: DownloadTarget | undefined;
  /** Path of the `.part` file or staging, once there is one. */
  #partPath: string | undefined;
  #waker = new Waker();
  #controller = new AbortController();
  #lastRefresh = 0;
  #failure: DownloadError | undefined;
  /** How long only banned peers have been listed as sources. */
  #banned: BannedWatch;

  /**
   * Starts downloading `fileId` described by `manifest`. Throws at once when
   * `options.inside` is not a file of that folder.
   */
  constructor(fileId: string, manifest: Manifest, options: DownloadOptions) {
    this.fileId = fileId;
    this.manifest = manifest;
    this.inside = options.inside;
    this.#options = options;
    this.#log = options.log ?? silentLogger();
    const target = options.inside === undefined ? undefined : folderFile(manifest, options.inside);
    this.#target = target && { file: target.file, entry: target.entry };
    this.#bytesTotal = target
      ? target.chunks.indexes().reduce((sum, index) => sum + chunkLength(manifest, index), 0)
      : manifest.size;
    this.#chunksWanted = target?.chunks.count ?? manifest.chunkHashes.length;
    this.#scheduler = new Scheduler(manifest.chunkHashes.length, {
      wanted: target?.chunks,
      inOrder: options.inOrder,
    });
    this.#sources = new DownloadSources(this.#scheduler, options.selfId);
    this.#banned = new BannedWatch(options.bannedGiveUpMs ?? BANNED_SOURCES_GIVE_UP_MS);
    this.done = this.#run();
    this.done.catch(() => {});
    this.settled = this.done.then(() => this.#finished, () => {});
  }

  /** The folder it was asked to save into. */
  get outDir(): string {
    return this.#options.outDir;
  }

  /** Path of its `.part` file (or staging folder or file), once it has one. */
  get partPath(): string | undefined {
    return this.#partPath;
  }

  /** The chunks verified so far, in its `.part` file. */
  verifiedChunks(): number[] {
    return [...this.#scheduler.done.indexes()];
  }

  /** Current progress. */
  progress(): DownloadProgress {
    return {
      id: this.#options.id,
      fileId: this.fileId,
      name: this.#target ? basename(this.#target.file.path) : this.manifest.name,
      state: this.#state,
      bytesDone: this.#bytesDone,
      bytesTotal: this.#bytesTotal,
      sources: this.#scheduler.usableSources().length,
      ...waysSummary(this.sourceList()),
      path: this.#path,
      message: this.#message,
      elapsedMs: Date.now() - this.#started,
      ...this.#files(),
    };
  }

  /** The usable sources now: at which address each is, and how it was reached. */
  sourceList(): SourceWay[] {
    const pool = this.#options.pool;
    return this.#sources.ways(
      this.#scheduler.usableSources(),
      (address, peerId) => pool.way?.(address, peerId),
    );
  }

  /** The files of a whole-folder download, whole and in all. */
  #files(): Pick<DownloadProgress, "files"> {
    const entries = this.manifest.entries;
    if (!entries || this.inside !== undefined) return {};
    this.#layout ??= FolderLayout.of(entries);
    const done = this.#layout.filesDone(
      this.manifest.chunkSize,
      (i) => this.#scheduler.done.has(i),
    );
    return { files: { done, total: this.#layout.files.length } };
  }

  /**
   * Learns that peer `peerId` at `address` now holds `chunks` (news pushed by
   * the server), so they can be asked for at once.
   */
  addChunks(peerId: string, news: { address: string; chunks: number[] }): void {
    this.#sources.addChunks(peerId, news);
    this.#waker.wake();
  }

  /** Stops the download, keeping the `.part` file (or staging). */
  cancel(): void {
    if (this.#state === "done" || this.#state === "failed") return;
    this.#state = "cancelled";
    this.#controller.abort();
    this.#waker.wake();
  }

  async #run(): Promise<DownloadResult> {
    try {
      const result = await this.#download();
      this.#state = "done";
      this.#message = undefined;
      this.#finished = this.#options.onFinished?.(result);
      return result;
    } catch (error) {
      if (this.#state !== "cancelled") this.#state = "failed";
      this.#message = errorMessage(error);
      throw error instanceof DownloadError ? error : new DownloadError(errorMessage(error));
    } finally {
      this.#requests?.cancelAll("download ended");
    }
  }

  async #download(): Promise<DownloadResult> {
    const { outDir, resume } = this.#options;
    // Connections to the sources are opened while the rest gets ready.
    this.#useSources(this.#options.sources);
    if (await computeFileId(this.manifest) !== this.fileId) {
      throw new DownloadError(
        `the manifest given for file ${this.fileId} describes another file: refusing to ` +
          `download it; look the file up again`,
      );
    }
    const local = resume ? undefined : await localCopyPath(this.#options.localCopy, this.#target);
    if (local) {
      this.#log.info(`this peer already shares this content as ${local}; nothing to download`);
      this.#path = local;
      this.#bytesDone = this.#bytesTotal;
      return this.#result(local, true);
    }
    const output = new DownloadOutput({
      outDir,
      fileId: this.fileId,
      manifest: this.manifest,
      selfId: this.#options.selfId,
      target: this.#target,
      log: this.#log,
    });
    await makeOutDir(outDir);
    if (!resume && !this.#target) {
      const present = await output.findPresent();
      if (present) {
        this.#log.info(`${present} already has this content; nothing to download`);
        this.#path = present;
        this.#bytesDone = this.manifest.size;
        return this.#result(present, true);
      }
    }
    const { path, part, resumed } = await output.open(resume);
    this.#path = path;
    this.#partPath = part.path;
    try {
      if (resumed) await this.#reverify(part, resume!.chunks);
      this.#options.onPartial?.({
        fileId: this.fileId,
        manifest: this.manifest,
        path,
        part,
        chunks: this.#scheduler.done,
      });
      this.#state = "running";
      await this.#fetchAll(part);
      const finalPath = await output.finish(part, this.#scheduler.done);
      this.#path = finalPath;
      return this.#result(finalPath, false);
    } finally {
      await part.close();
    }
  }

  /**
   * Takes the sources the lookup found, if given, and opens the connections
   * to them in the background, so that the first requests need not wait.
   */
  #useSources(found: FoundSources | undefined): void {
    if (!found) return;
    this.#sources.update(found.sources, { complete: found.complete });
    this.#lastRefresh = Date.now();
    for (const peerId of this.#scheduler.usableSources()) {
      this.#options.pool.get(this.#sources.address(peerId), peerId).catch(() => {});
    }
  }

  #result(path: string, alreadyPresent: boolean): DownloadResult {
    return {
      fileId: this.fileId,
      path,
      size: this.#target?.file.size ?? this.manifest.size,
      elapsedMs: Date.now() - this.#started,
      bytesReceived: this.#requests?.bytesReceived ?? 0,
      alreadyPresent,
    };
  }

  /** Counts the recorded chunks of a resumed `.part` file (or staging) that still hash right. */
  async #reverify(part: ChunkStore, recorded: number[]): Promise<void> {
    this.#bytesDone += await reverifyChunks(part, recorded, {
      manifest: this.manifest,
      scheduler: this.#scheduler,
      hasher: this.#options.hasher,
      signal: this.#controller.signal,
    });
    const what = this.inside === undefined
      ? this.manifest.name
      : `${this.manifest.name}:${this.inside}`;
    this.#log.info(
      `resuming ${what}: ${this.#scheduler.done.count} of ${this.#chunksWanted} chunks ` +
        `already verified`,
    );
  }

  async #fetchAll(part: ChunkStore): Promise<void> {
    const signal = this.#controller.signal;
    const stallTimeoutMs = this.#options.stallTimeoutMs ?? STALL_TIMEOUT_MS;
    const requests = new ChunkRequests({
      fileId: this.fileId,
      manifest: this.manifest,
      part,
      scheduler: this.#scheduler,
      sources: this.#sources,
      pool: this.#options.pool,
      hasher: this.#options.hasher,
      buffers: this.#options.buffers,
      stallTimeoutMs,
      signal,
      onVerified: (index, length) => {
        this.#bytesDone += length;
        this.#options.onChunk?.(index);
      },
      onFatal: (error) => {
        this.#message = error.message;
        this.#failure = error;
        this.#controller.abort();
      },
      onSettled: () => this.#waker.wake(),
      log: this.#log,
    });
    this.#requests = requests;
    const stallTimer = setInterval(() => {
      requests.checkStalls();
      this.#waker.wake();
    }, stallTimeoutMs / 4);
    const stopWaking = this.#options.buffers.onRelease(() => this.#waker.wake());
    let waitMs = 0;
    try {
      while (!this.#scheduler.complete) {
        signal.throwIfAborted();
        const refreshMs = requests.size > 0 ? BUSY_SOURCE_REFRESH_MS : SOURCE_REFRESH_MS;
        if (Date.now() - this.#lastRefresh >= refreshMs) await this.#refreshSources();
        requests.fill();
        if (requests.size === 0 && this.#options.buffers.available > 0) {
          if (this.#scheduler.complete) break;
          const declinedUntil = this.#scheduler.declinedUntil();
          if (declinedUntil !== undefined) {
            // A seeder holds chunks back for the swarm: ask it again when it lets them go.
            await this.#waker.sleep(Math.max(1, declinedUntil - Date.now()));
            continue;
          }
          this.#giveUpIfOnlyBanned();
          waitMs = Math.min(MAX_SOURCE_WAIT_MS, Math.max(SOURCE_REFRESH_MS / 4, waitMs * 2));
          this.#waiting();
          await this.#waker.sleep(waitMs);
          this.#lastRefresh = 0;
          continue;
        }
        waitMs = 0;
        if (this.#state === "waiting") {
          this.#state = "running";
          this.#message = undefined;
          this.#log.info(`${this.manifest.name}: sources found, downloading again`);
        }
        await this.#waker.sleep(SOURCE_REFRESH_MS);
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

  /**
   * Fails the download once only banned peers have been listed as sources
   * for {@linkcode DownloadOptions.bannedGiveUpMs}: asking them again is
   * pointless, and no honest peer has come.
   */
  #giveUpIfOnlyBanned(): void {
    const onlyBanned = this.#sources.onlyBanned && this.#scheduler.usableSources().length === 0;
    if (!this.#banned.expired(onlyBanned, Date.now())) return;
    throw new DownloadError(bannedFailure(this.manifest.name));
  }

  #waiting(): void {
    const message = waitingMessage(
      this.#sources.onlyBanned,
      this.#scheduler.usableSources().length,
    );
    if (this.#state !== "waiting") this.#log.info(`${this.manifest.name}: ${message}`);
    this.#state = "waiting";
    this.#message = message;
  }

  async #refreshSources(): Promise<void> {
    this.#lastRefresh = Date.now();
    try {
      const found = await this.#options.findSources(this.fileId);
      this.#sources.update(found.sources, { complete: found.complete });
    } catch (error) {
      this.#message = `cannot look sources up: ${errorMessage(error)}`;
      this.#log.debug(this.#message);
    }
  }
}
