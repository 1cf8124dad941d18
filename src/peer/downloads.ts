/**
 * The downloads of a peer, from start to end: each is numbered, recorded in
 * the data folder so that it resumes after a restart, serves its verified
 * chunks while it runs, announces each new chunk, and is shared whole once
 * finished (unless the peer does not re-share downloads). All share one hashing worker and one
 * budget of chunk buffers. A download of one file of a folder is recorded and resumes too, but is
 * neither served nor shared: its staging file holds only that file's part
 * of the folder's chunks, and the file has no ID of its own.
 *
 * At start, the staging leftovers of this peer's folder downloads that no
 * record will take up again (a crash before the record was written, a
 * record deleted) are removed from the download folders it knows (see
 * staging.ts). A peer without a data folder cannot resume, so it removes
 * the staging of its unfinished folder downloads when it closes.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { MAX_CHUNK_SIZE } from "../constants.ts";
import { MAX_CHUNKS_IN_MEMORY } from "./constants.ts";
import { errorMessage, type Logger } from "../log.ts";
import type { Manifest, ServerToPeer } from "../protocol/messages.ts";
import { ChunkHasher } from "../storage/hasher.ts";
import { folderFile } from "../storage/folder_file.ts";
import { isFolder } from "../storage/manifest.ts";
import { downloadKey, type DownloadRecord, type PeerState } from "../storage/peer_state.ts";
import { ownerTag, removeLeftovers, stagingName } from "../storage/staging.ts";
import { BufferPool } from "./buffer_pool.ts";
import type { ConnectionSource } from "./chunk_requests.ts";
import { Download } from "./download.ts";
import type { DownloadOptions, FoundSources, SourceFinder } from "./download_options.ts";
import { isActive } from "./download_progress.ts";
import type { Shares } from "./shares.ts";
import type { ServerLink } from "./server_link.ts";
import { HaveNotices } from "./have_notices.ts";

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
  /**
   * Download key -> the `.part` a failed or stopped download left, taken up
   * by the next download of it.
   */
  #failed = new Map<string, { path: string; chunks: number[] }>();
  #hasher = new ChunkHasher();
  #buffers = new BufferPool(MAX_CHUNKS_IN_MEMORY, MAX_CHUNK_SIZE);
  #haves = new HaveNotices((fileId, chunks) => {
    this.#options.link?.notify({ t: "have", fileId, chunks });
  });

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
   * `sources`: who the lookup found holding it, if it was just looked up.
   * `inOrder`: fetch its chunks in file order (it is streamed as it comes).
   */
  start(
    fileId: string,
    manifest: Manifest,
    options: {
      outDir: string;
      inside?: string;
      localCopy?: string;
      resume?: { path: string; chunks: number[] };
      sources?: FoundSources;
      inOrder?: boolean;
    },
  ): Download {
    const { outDir, inside, localCopy, sources, inOrder } = options;
    const running = this.find(fileId, inside);
    if (running) {
      this.#log.info(`${manifest.name} is already being downloaded`);
      return running;
    }
    const key = downloadKey({ fileId, manifest, inside });
    const failed = this.#failed.get(key);
    this.#failed.delete(key);
    const resume = options.resume ??
      (failed && dirname(failed.path) === outDir ? failed : undefined);
    return this.#start(fileId, manifest, { outDir, inside, resume, sources, localCopy, inOrder });
  }

  /**
   * Resumes the unfinished downloads the data folder remembers, unless
   * `resume` is false, after removing this peer's staging leftovers that
   * none of them will take up, from their folders and from `outDir` (the
   * default download folder).
   */
  async resume(resume: boolean, options: { outDir?: string } = {}): Promise<void> {
    if (!this.#options.state) return;
    const unfinished = await this.#options.state.loadDownloads();
    await this.#removeLeftovers(unfinished.map(({ record }) => record), options.outDir);
    if (!resume) {
      if (unfinished.length > 0) {
        this.#log.info(`${unfinished.length} unfinished download(s) not resumed (--no-resume)`);
      }
      return;
    }
    for (const { record, chunks } of unfinished) {
      if (this.find(record.fileId, record.inside)) continue;
      try {
        this.#start(record.fileId, record.manifest, {
          outDir: dirname(record.path),
          inside: record.inside,
          resume: { path: record.path, chunks },
        });
      } catch (error) {
        this.#log.warn(`cannot resume the download of ${record.path}: ${errorMessage(error)}`);
      }
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
    const download = this.#active(id);
    download.cancel();
    await download.done.catch(() => {});
    const { fileId, manifest, inside } = download;
    const key = downloadKey({ fileId, manifest, inside });
    this.#failed.delete(key);
    await this.#options.state?.endDownload(key);
    if (download.partPath) {
      await Deno.remove(download.partPath, { recursive: true }).catch(() => {});
    }
    return download;
  }

  /**
   * Stops download number `id`, keeping its `.part` file (or staging) and its
   * record: {@linkcode restart} takes it up again, as does the next start of
   * a peer with the same data folder.
   */
  async stop(id: number): Promise<Download> {
    const download = this.#active(id);
    download.cancel();
    await download.done.catch(() => {});
    return download;
  }

  /**
   * Takes up again download number `id`, stopped or failed, under the same
   * number: its `.part` file is re-verified and completed. Returns the
   * download running it (the one already running, if it is).
   */
  restart(id: number): Download {
    const at = this.#list.findIndex((d) => d.progress().id === id);
    if (at < 0) throw new Error(`no download number ${id}; see the list of downloads`);
    const old = this.#list[at];
    const { state, path } = old.progress();
    if (isActive(state)) return old;
    if (state === "done") throw new Error(`download ${id} is done: there is nothing to resume`);
    const { fileId, manifest, inside } = old;
    const running = this.find(fileId, inside);
    if (running) return running;
    const key = downloadKey({ fileId, manifest, inside });
    this.#failed.delete(key);
    const resume = old.partPath && path ? { path, chunks: old.verifiedChunks() } : undefined;
    const outDir = path ? dirname(path) : old.outDir;
    const download = this.#start(fileId, manifest, { outDir, inside, resume }, id);
    this.#list.splice(this.#list.indexOf(download), 1);
    this.#list[at] = download;
    return download;
  }

  /**
   * Cancels every download (their `.part` files and staging kept for
   * resuming; without a data folder, their staging removed) and waits for
   * the ends.
   */
  async close(): Promise<void> {
    for (const download of this.#list) download.cancel();
    await Promise.allSettled(this.#list.map((d) => d.done));
    await Promise.allSettled([...this.#settling]);
    this.#haves.endAll();
    this.#hasher.close();
    if (this.#options.state) return;
    for (const download of this.#list) {
      const staging = download.partPath;
      if (!staging || !isFolder(download.manifest) || download.progress().state === "done") {
        continue;
      }
      await Deno.remove(staging, { recursive: true }).catch(() => {});
    }
  }

  /** Download number `id`, which must be running; throws a clear error otherwise. */
  #active(id: number): Download {
    const download = this.#list.find((d) => d.progress().id === id);
    if (!download) throw new Error(`no download number ${id}; see the list of downloads`);
    const { state } = download.progress();
    if (!isActive(state)) throw new Error(`download ${id} is already ${state}`);
    return download;
  }

  /**
   * Starts a download (numbered `id`, default the next number); one of a whole file or folder is served while it
   * runs and shared once done (unless the peer does not re-share), one file
   * of a folder neither (see the module documentation). Throws when
   * `inside` is not a file of the folder.
   */
  #start(
    fileId: string,
    manifest: Manifest,
    options: Pick<
      DownloadOptions,
      "outDir" | "resume" | "inside" | "sources" | "localCopy" | "inOrder"
    >,
    id = this.#nextId++,
  ): Download {
    const { shares, state } = this.#options;
    const reshare = this.#options.reshare ?? true;
    const link = reshare ? this.#options.link : undefined;
    const { inside } = options;
    const whole = inside === undefined;
    const key = downloadKey({ fileId, manifest, inside });
    const download = new Download(fileId, manifest, {
      ...options,
      id,
      pool: this.#options.pool,
      hasher: this.#hasher,
      buffers: this.#buffers,
      selfId: this.#options.selfId,
      findSources: this.#options.findSources,
      onPartial: ({ path, part, chunks }) => {
        const record: DownloadRecord = { fileId, manifest, path, ...(whole ? {} : { inside }) };
        this.#track(
          state?.beginDownload(record, chunks.indexes()).catch((error) => {
            this.#log.warn(`cannot record the download for resuming: ${errorMessage(error)}`);
          }),
        );
        if (reshare && whole) shares.addPartial(fileId, { manifest, part, chunks });
      },
      onChunk: (index) => {
        if (whole && link) this.#haves.add(fileId, index);
        this.#track(state?.chunkDone(key, index).catch(() => {}));
      },
      onFinished: (result) =>
        this.#onDownloaded(key, { fileId, manifest, path: result.path, whole }),
      log: this.#log.child(`download ${manifest.name}${whole ? "" : `:${inside}`}`),
    });
    this.#list.push(download);
    const settled = download.done.then(
      () => download.settled,
      () => {
        this.#haves.end(fileId);
        if (whole) shares.dropPartial(fileId);
        const { state, path } = download.progress();
        if ((state === "failed" || state === "cancelled") && path && download.partPath) {
          this.#failed.set(key, { path, chunks: download.verifiedChunks() });
        }
      },
    );
    this.#track(settled);
    return download;
  }

  /**
   * Removes this peer's staging leftovers from the folders of `records` and
   * from `outDir`, keeping those the records will take up again.
   */
  async #removeLeftovers(records: DownloadRecord[], outDir: string | undefined): Promise<void> {
    const owner = ownerTag(this.#options.selfId);
    const dirs = [...records.map((record) => dirname(record.path)), ...(outDir ? [outDir] : [])];
    try {
      const keep = new Set<string>();
      for (const record of records) {
        if (!isFolder(record.manifest)) continue;
        const entry = record.inside === undefined
          ? undefined
          : folderFile(record.manifest, record.inside).entry;
        keep.add(join(dirname(record.path), stagingName(record.fileId, { owner, entry })));
      }
      for (const path of await removeLeftovers(dirs, { owner, keep })) {
        this.#log.info(`removed ${path}, left by a download of this peer that nothing resumes`);
      }
    } catch (error) {
      this.#log.warn(`cannot remove what earlier downloads left: ${errorMessage(error)}`);
    }
  }

  /** Keeps `work` (a state write, a download's end) for {@linkcode close} to wait for. */
  #track(work: Promise<void> | undefined): void {
    if (!work) return;
    this.#settling.add(work);
    work.finally(() => this.#settling.delete(work));
  }

  async #onDownloaded(
    key: string,
    done: { fileId: string; manifest: Manifest; path: string; whole: boolean },
  ): Promise<void> {
    const { fileId, manifest, path, whole } = done;
    this.#haves.end(fileId);
    try {
      await this.#options.state?.endDownload(key);
      if (this.#options.reshare === false || !whole) return;
      await this.#options.shares.addDownloaded({ fileId, manifest, path });
    } catch (error) {
      this.#log.warn(`could not share the downloaded ${path}: ${errorMessage(error)}`);
    }
  }
}
