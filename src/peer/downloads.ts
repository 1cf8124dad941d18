/**
 * The downloads of a peer, from start to end: each is numbered, recorded in
 * the data folder so that it resumes after a restart, serves its verified
 * chunks while it runs, announces each new chunk, and is shared whole once
 * finished (unless the peer does not re-share downloads). All share one hashing worker and one budget of chunk buffers.
 * A download of one file of a folder is none of these: not recorded, not
 * served, not shared (its `.part` holds only some of the folder's chunks).
 *
 * @module
 */

import { dirname } from "node:path";
import { CHUNK_SIZE, MAX_CHUNKS_IN_MEMORY } from "../constants.ts";
import { errorMessage, type Logger } from "../log.ts";
import type { Manifest, ServerToPeer } from "../protocol/messages.ts";
import { ChunkHasher } from "../storage/hasher.ts";
import type { PeerState } from "../storage/peer_state.ts";
import { partPath } from "../storage/safe_name.ts";
import { BufferPool } from "./buffer_pool.ts";
import type { ConnectionSource } from "./chunk_requests.ts";
import { Download, type DownloadOptions, isActive, type SourceFinder } from "./download.ts";
import type { Shares } from "./shares.ts";
import type { ServerLink } from "./server_link.ts";

/** Options of {@linkcode Downloads}. */
export interface DownloadsOptions {
  /** This peer's ID, so it never downloads from itself. */
  selfId: string;
  /** Connections to other peers. */
  pool: ConnectionSource;
  /** Finds who holds a file. */
  findSources: SourceFinder;
  /** Serves the chunks of running downloads and shares the finished ones. */
  shares: Pick<Shares, "addPartial" | "addDownloaded" | "dropPartial">;
  /** Where downloads are recorded for resuming; none records nothing. */
  state?: PeerState;
  /** The server, told of each verified chunk; none in serverless LAN mode. */
  link?: Pick<ServerLink, "notify">;
  /**
   * Share what is downloaded, as BitTorrent does: the verified chunks while
   * it runs, the whole file once done (remembered for the next start).
   * Default true; false keeps downloads to this peer.
   */
  reshare?: boolean;
  log: Logger;
}

/** Every download a peer started, oldest first. */
export class Downloads {
  #options: DownloadsOptions;
  #log: Logger;
  #list: Download[] = [];
  /** Work done after a download ends (sharing the result), awaited on close. */
  #settling = new Set<Promise<void>>();
  #nextId = 1;
  /** File ID -> the `.part` a failed download left, taken up by the next download of it. */
  #failed = new Map<string, { path: string; chunks: number[] }>();
  #hasher = new ChunkHasher();
  #buffers = new BufferPool(MAX_CHUNKS_IN_MEMORY, CHUNK_SIZE);

  /** No downloads yet. */
  constructor(options: DownloadsOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  /** Every download, oldest first. */
  list(): Download[] {
    return [...this.#list];
  }

  /** How many downloads have not ended. */
  get running(): number {
    return this.#list.filter((download) => isActive(download.progress().state)).length;
  }

  /**
   * The download of `fileId` (of its file `inside`, when given) that has
   * not ended, if any.
   */
  find(fileId: string, inside?: string): Download | undefined {
    return this.#list.find((d) =>
      d.fileId === fileId && d.inside === inside && isActive(d.progress().state)
    );
  }

  /**
   * Starts downloading `fileId` into `outDir` (absolute), or returns the
   * download of it already running. The `.part` file a failed download of
   * it left in `outDir` is taken up again, not left behind, as is the one
   * `resume` names (a journal's, read by the caller). With `inside`, only
   * that file of the folder is fetched; throws when the folder has none.
   */
  start(
    fileId: string,
    manifest: Manifest,
    options: {
      outDir: string;
      inside?: string;
      localCopy?: string;
      resume?: { path: string; chunks: number[] };
    },
  ): Download {
    const { outDir, inside, localCopy } = options;
    const running = this.find(fileId, inside);
    if (running) {
      this.#log.info(`${manifest.name} is already being downloaded`);
      return running;
    }
    if (inside !== undefined) {
      return this.#startInside(fileId, manifest, { outDir, inside, localCopy });
    }
    const failed = this.#failed.get(fileId);
    this.#failed.delete(fileId);
    const resume = options.resume ??
      (failed && dirname(failed.path) === outDir ? failed : undefined);
    return this.#start(fileId, manifest, { outDir, resume, localCopy });
  }

  /** Resumes the unfinished downloads the data folder remembers, unless `resume` is false. */
  async resume(resume: boolean): Promise<void> {
    if (!this.#options.state) return;
    const unfinished = await this.#options.state.loadDownloads();
    if (!resume) {
      if (unfinished.length > 0) {
        this.#log.info(`${unfinished.length} unfinished download(s) not resumed (--no-resume)`);
      }
      return;
    }
    for (const { record, chunks } of unfinished) {
      if (this.find(record.fileId)) continue;
      this.#start(record.fileId, record.manifest, {
        outDir: dirname(record.path),
        resume: { path: record.path, chunks },
      });
    }
  }

  /** Passes the server's news of another peer's chunks to the download they concern. */
  notice(notice: ServerToPeer): void {
    if (notice.t !== "have") return;
    for (const download of this.#list) {
      if (download.fileId === notice.fileId && isActive(download.progress().state)) {
        download.addChunks(notice.peerId, notice);
      }
    }
  }

  /**
   * Cancels download number `id` for good: it stops, its `.part` file is
   * deleted and it will not be resumed.
   */
  async cancel(id: number): Promise<Download> {
    const download = this.#list.find((d) => d.progress().id === id);
    if (!download) throw new Error(`no download number ${id}; see the list of downloads`);
    const { state, path } = download.progress();
    if (!isActive(state)) throw new Error(`download ${id} is already ${state}`);
    download.cancel();
    await download.done.catch(() => {});
    if (download.inside === undefined) await this.#options.state?.endDownload(download.fileId);
    if (path) await Deno.remove(partPath(path)).catch(() => {});
    return download;
  }

  /** Cancels every download (their `.part` files kept for resuming) and waits for the ends. */
  async close(): Promise<void> {
    for (const download of this.#list) download.cancel();
    await Promise.allSettled(this.#list.map((d) => d.done));
    await Promise.allSettled([...this.#settling]);
    this.#hasher.close();
  }

  /** Starts fetching the file `inside` of the folder `fileId` alone (see the module documentation). */
  #startInside(
    fileId: string,
    manifest: Manifest,
    options: { outDir: string; inside: string; localCopy?: string },
  ): Download {
    const download = new Download(fileId, manifest, {
      ...options,
      id: this.#nextId,
      pool: this.#options.pool,
      hasher: this.#hasher,
      buffers: this.#buffers,
      selfId: this.#options.selfId,
      findSources: this.#options.findSources,
      log: this.#log.child(`download ${manifest.name}:${options.inside}`),
    });
    this.#nextId++;
    this.#list.push(download);
    this.#track(download.done.then(() => {}, () => {}));
    return download;
  }

  #start(
    fileId: string,
    manifest: Manifest,
    options: Pick<DownloadOptions, "outDir" | "resume" | "localCopy">,
  ): Download {
    const { shares, state } = this.#options;
    const reshare = this.#options.reshare ?? true;
    const link = reshare ? this.#options.link : undefined;
    const download = new Download(fileId, manifest, {
      ...options,
      id: this.#nextId++,
      pool: this.#options.pool,
      hasher: this.#hasher,
      buffers: this.#buffers,
      selfId: this.#options.selfId,
      findSources: this.#options.findSources,
      onPartial: ({ path, part, chunks }) => {
        this.#track(
          state?.beginDownload({ fileId, manifest, path }, chunks.indexes()).catch((error) => {
            this.#log.warn(`cannot record the download for resuming: ${errorMessage(error)}`);
          }),
        );
        if (reshare) shares.addPartial(fileId, { manifest, part, chunks });
      },
      onChunk: (index) => {
        link?.notify({ t: "have", fileId, chunks: [index] });
        this.#track(state?.chunkDone(fileId, index).catch(() => {}));
      },
      log: this.#log.child(`download ${manifest.name}`),
    });
    this.#list.push(download);
    const settled = download.done.then(
      (result) => this.#onDownloaded(fileId, manifest, result.path),
      () => {
        shares.dropPartial(fileId);
        const { state, path } = download.progress();
        if (state === "failed" && path) {
          this.#failed.set(fileId, { path, chunks: download.verifiedChunks() });
        }
      },
    );
    this.#track(settled);
    return download;
  }

  /** Keeps `work` (a state write, a download's end) for {@linkcode close} to wait for. */
  #track(work: Promise<void> | undefined): void {
    if (!work) return;
    this.#settling.add(work);
    work.finally(() => this.#settling.delete(work));
  }

  async #onDownloaded(fileId: string, manifest: Manifest, path: string): Promise<void> {
    try {
      await this.#options.state?.endDownload(fileId);
      if (this.#options.reshare === false) return;
      await this.#options.shares.addDownloaded({ fileId, manifest, path });
    } catch (error) {
      this.#log.warn(`could not share the downloaded ${path}: ${errorMessage(error)}`);
    }
  }
}
