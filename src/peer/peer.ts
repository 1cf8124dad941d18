/**
 * A peer: shares files, serves their chunks, and downloads files from other
 * peers. It ties together the chunk server, the link to the central server,
 * the pool of connections to other peers and the running downloads.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import type { HostPort } from "../protocol/channel.ts";
import {
  type FileSummary,
  fileSummarySchema,
  type Manifest,
  manifestSchema,
  parseMessage,
  type PeerSummary,
  peerSummarySchema,
  type SharedFileEntry,
  type Source,
  sourceSchema,
} from "../protocol/messages.ts";
import type { SourceChangedError } from "../storage/chunk_source.ts";
import { hashFile, type HashProgress } from "../storage/hash_file.ts";
import { ChunkHasher } from "../storage/hasher.ts";
import { computeFileId } from "../storage/manifest.ts";
import { PartFile } from "../storage/part_file.ts";
import { PeerState, type SharedRecord } from "../storage/peer_state.ts";
import { z } from "zod";
import { ChunkServer } from "./chunk_server.ts";
import { Download, type DownloadState } from "./download.ts";
import { Library, partialFile, type ServedFile, sharedFile } from "./library.ts";
import { PeerPool } from "./peer_pool.ts";
import { ServerLink } from "./server_link.ts";

/** Options of {@linkcode PeerNode.start}. */
export interface PeerOptions {
  /** Interface to serve chunks on. */
  hostname: string;
  /** Port to serve chunks on, 0 for any free one. */
  port: number;
  /** The central server. */
  server: HostPort;
  /** Stable identity; default the one kept in `dataDir`, else a random UUID. */
  peerId?: string;
  /** Folder for persistent state (shares, downloads in progress); none keeps nothing. */
  dataDir?: string;
  /** Resume unfinished downloads found in `dataDir`; default true. */
  resume?: boolean;
  /** Where log lines go. */
  log?: Logger;
}

/** A registered file. */
export interface Registered {
  /** Content-addressed ID. */
  fileId: string;
  /** Its manifest. */
  manifest: Manifest;
  /** Absolute path of the file. */
  path: string;
}

/** What a peer's status shows. */
export interface PeerStatus {
  /** `host:port` this peer serves chunks on. */
  address: string;
  /** This peer's ID. */
  peerId: string;
  /** `host:port` of the central server. */
  server: string;
  /** True while registered with the server. */
  connected: boolean;
  /** Files this peer serves (shared or partly downloaded). */
  shared: number;
  /** Downloads running. */
  downloadsRunning: number;
  /** Chunk bytes uploaded to other peers. */
  uploadedBytes: number;
}

const lookupReplySchema = z.object({
  fileId: z.string(),
  manifest: manifestSchema,
  sources: z.array(sourceSchema),
});

/** A running peer. */
export class PeerNode {
  /** This peer's ID. */
  readonly peerId: string;
  #log: Logger;
  #library = new Library();
  #chunkServer: ChunkServer;
  #link: ServerLink;
  #pool: PeerPool;
  #hasher = new ChunkHasher();
  #state: PeerState | undefined;
  #downloads: Download[] = [];
  #shareRecords = new Map<string, SharedRecord>();
  #nextDownloadId = 1;

  private constructor(options: PeerOptions & { peerId: string; state?: PeerState }) {
    this.peerId = options.peerId;
    this.#state = options.state;
    this.#log = options.log ?? silentLogger();
    this.#chunkServer = ChunkServer.start({
      hostname: options.hostname,
      port: options.port,
      library: this.#library,
      log: this.#log.child("serve"),
      onSourceChanged: (fileId, error) => this.#dropChanged(fileId, error),
    });
    this.#pool = new PeerPool({ log: this.#log.child("pool") });
    this.#link = new ServerLink({
      server: options.server,
      peerId: this.peerId,
      listenPort: this.#chunkServer.port,
      listenHost: options.hostname,
      shares: () => this.#shares(),
      log: this.#log.child("link"),
    });
    this.#link.start();
  }

  /**
   * Starts serving and connecting to the server (in the background). With a
   * data folder, re-shares what was shared before and resumes unfinished
   * downloads (unless `resume` is false).
   */
  static async start(options: PeerOptions): Promise<PeerNode> {
    const state = options.dataDir ? await PeerState.open(options.dataDir) : undefined;
    try {
      const peerId = options.peerId ?? await state?.peerId() ?? crypto.randomUUID();
      const peer = new PeerNode({ ...options, peerId, state });
      await peer.#restore(options.resume ?? true);
      return peer;
    } catch (error) {
      await state?.close();
      throw error;
    }
  }

  /** The data folder, when state is kept. */
  get dataDir(): string | undefined {
    return this.#state?.dir;
  }

  /** `host:port` this peer serves chunks on. */
  get address(): string {
    return this.#chunkServer.address;
  }

  /** The link to the central server. */
  get link(): ServerLink {
    return this.#link;
  }

  /** Chunk bytes this peer has uploaded. */
  get uploadedBytes(): number {
    return this.#chunkServer.uploadedBytes;
  }

  /** Resolves once registered with the server; rejects with the reason after `timeoutMs`. */
  waitConnected(timeoutMs: number): Promise<void> {
    return this.#link.waitConnected(timeoutMs);
  }

  /** Hashes and shares the file at `path`; `options.signal` stops the hashing. */
  async register(
    path: string,
    options: { onProgress?: (progress: HashProgress) => void; signal?: AbortSignal } = {},
  ): Promise<Registered> {
    const absolute = resolve(path);
    let hashed;
    try {
      hashed = await hashFile(absolute, { onProgress: options.onProgress, signal: options.signal });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`cannot register ${path}: no such file`);
      }
      throw new Error(`cannot register ${path}: ${errorMessage(error)}`);
    }
    const file = sharedFile(hashed.fileId, { path: absolute, ...hashed });
    this.#library.put(file);
    this.#shareRecords.set(hashed.fileId, { path: absolute, ...hashed });
    await this.#saveShared();
    this.#log.info(`sharing ${absolute} as ${hashed.fileId}`);
    await this.#link.share([entryOf(file)]).catch((error) => {
      this.#log.warn(`could not tell the server yet (${errorMessage(error)}); will retry`);
    });
    return { fileId: hashed.fileId, manifest: hashed.manifest, path: absolute };
  }

  /** Looks a file up by ID or unique prefix; throws a clear error when it is unknown. */
  async lookup(query: string): Promise<{ fileId: string; manifest: Manifest; sources: Source[] }> {
    const reply = parseMessage(lookupReplySchema, await this.#link.request({ t: "lookup", query }));
    if (await computeFileId(reply.manifest) !== reply.fileId) {
      throw new Error(`the server sent a manifest that does not match file ID ${reply.fileId}`);
    }
    return reply;
  }

  /**
   * Starts downloading the file `query` names (ID or unique prefix) into
   * `outDir`. Resolves once the download runs; await its `done` for the end.
   */
  async download(query: string, options: { outDir: string }): Promise<Download> {
    const { fileId, manifest } = await this.lookup(query);
    const running = this.#running(fileId);
    if (running) {
      this.#log.info(`${manifest.name} is already being downloaded`);
      return running;
    }
    return this.#startDownload(fileId, manifest, { outDir: resolve(options.outDir) });
  }

  /**
   * Cancels download number `id` for good: it stops, its `.part` file is
   * deleted and it will not be resumed.
   */
  async cancelDownload(id: number): Promise<Download> {
    const download = this.#downloads.find((d) => d.progress().id === id);
    if (!download) throw new Error(`no download number ${id}; see the list of downloads`);
    const { state, path } = download.progress();
    if (!isActive(state)) throw new Error(`download ${id} is already ${state}`);
    download.cancel();
    await download.done.catch(() => {});
    await this.#state?.endDownload(download.fileId);
    if (path) await Deno.remove(PartFile.pathFor(path)).catch(() => {});
    return download;
  }

  /** Every download started by this peer, oldest first. */
  downloads(): Download[] {
    return [...this.#downloads];
  }

  /** What this peer serves. */
  shared(): ServedFile[] {
    return this.#library.list();
  }

  /** Everything the network shares, from the server. */
  async networkFiles(): Promise<FileSummary[]> {
    const reply = await this.#link.request({ t: "files" });
    return parseMessage(z.array(fileSummarySchema), reply.files);
  }

  /** Every peer the server knows. */
  async networkPeers(): Promise<PeerSummary[]> {
    const reply = await this.#link.request({ t: "peers" });
    return parseMessage(z.array(peerSummarySchema), reply.peers);
  }

  /** Current state in one object. */
  status(): PeerStatus {
    return {
      address: this.address,
      peerId: this.peerId,
      server: this.#link.serverAddress,
      connected: this.#link.connected,
      shared: this.#library.list().length,
      downloadsRunning:
        this.#downloads.filter((d) =>
          ["starting", "running", "waiting"].includes(d.progress().state)
        ).length,
      uploadedBytes: this.#chunkServer.uploadedBytes,
    };
  }

  /** Cancels downloads, says goodbye to the server and other peers, and stops serving. */
  async close(): Promise<void> {
    for (const download of this.#downloads) download.cancel();
    await Promise.allSettled(this.#downloads.map((d) => d.done));
    await this.#link.close();
    await this.#pool.close();
    await this.#chunkServer.close();
    this.#library.close();
    this.#hasher.close();
    await this.#state?.close();
    this.#log.info(
      `uploaded ${this.#chunkServer.uploadedBytes} bytes ` +
        `(${this.#chunkServer.uploadsServed} chunks) to other peers`,
    );
  }

  #running(fileId: string): Download | undefined {
    return this.#downloads.find((d) => d.fileId === fileId && isActive(d.progress().state));
  }

  #startDownload(
    fileId: string,
    manifest: Manifest,
    options: { outDir: string; resume?: { path: string; chunks: number[] } },
  ): Download {
    const download = new Download(fileId, manifest, {
      id: this.#nextDownloadId++,
      outDir: options.outDir,
      resume: options.resume,
      pool: this.#pool,
      hasher: this.#hasher,
      selfId: this.peerId,
      findSources: async (id) => (await this.lookup(id)).sources,
      onPartial: ({ path, part, chunks }) => {
        this.#state?.beginDownload({ fileId, manifest, path }, chunks.indexes()).catch((error) => {
          this.#log.warn(`cannot record the download for resuming: ${errorMessage(error)}`);
        });
        const existing = this.#library.get(fileId);
        if (existing && existing.chunks === undefined) return;
        const partial = partialFile(fileId, { manifest, part, chunks });
        this.#library.put(partial);
        this.#link.share([entryOf(partial)]).catch(() => {});
      },
      onChunk: (index) => {
        this.#link.notify({ t: "have", fileId, chunks: [index] });
        this.#state?.chunkDone(fileId, index).catch(() => {});
      },
      log: this.#log.child(`download ${manifest.name}`),
    });
    this.#downloads.push(download);
    download.done.then(
      (result) => this.#onDownloaded(fileId, manifest, result.path),
      () => this.#onDownloadFailed(fileId),
    );
    return download;
  }

  async #onDownloaded(fileId: string, manifest: Manifest, path: string): Promise<void> {
    try {
      await this.#state?.endDownload(fileId);
      const info = await Deno.stat(path);
      const mtimeMs = info.mtime?.getTime() ?? 0;
      this.#library.put(sharedFile(fileId, { path, manifest, mtimeMs }));
      this.#shareRecords.set(fileId, { path, fileId, manifest, mtimeMs });
      await this.#saveShared();
      await this.#link.share([entryOf(this.#library.get(fileId)!)]);
    } catch (error) {
      this.#log.warn(`could not share the downloaded ${path}: ${errorMessage(error)}`);
    }
  }

  /** Re-shares what the data folder remembers and resumes unfinished downloads. */
  async #restore(resume: boolean): Promise<void> {
    if (!this.#state) return;
    for (const record of await this.#state.loadShared()) {
      await this.#reshare(record);
    }
    await this.#saveShared();
    const unfinished = await this.#state.loadDownloads();
    if (!resume) {
      if (unfinished.length > 0) {
        this.#log.info(`${unfinished.length} unfinished download(s) not resumed (--no-resume)`);
      }
      return;
    }
    for (const { record, chunks } of unfinished) {
      if (this.#running(record.fileId)) continue;
      this.#startDownload(record.fileId, record.manifest, {
        outDir: dirname(record.path),
        resume: { path: record.path, chunks },
      });
    }
  }

  async #reshare(record: SharedRecord): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(record.path);
    } catch {
      this.#log.warn(`${record.path} is gone; no longer sharing it`);
      return;
    }
    if (info.size === record.manifest.size && (info.mtime?.getTime() ?? 0) === record.mtimeMs) {
      this.#library.put(sharedFile(record.fileId, record));
      this.#shareRecords.set(record.fileId, record);
      return;
    }
    this.#log.warn(`${record.path} changed since it was shared; hashing it again`);
    try {
      await this.register(record.path);
    } catch (error) {
      this.#log.warn(`${errorMessage(error)}; no longer sharing it`);
    }
  }

  #saveShared(): Promise<void> {
    return this.#state?.saveShared([...this.#shareRecords.values()]).catch((error) => {
      this.#log.warn(`cannot save the list of shared files: ${errorMessage(error)}`);
    }) ?? Promise.resolve();
  }

  #onDownloadFailed(fileId: string): void {
    const file = this.#library.get(fileId);
    if (file?.chunks === undefined) return;
    this.#library.remove(fileId);
    this.#link.request({ t: "unshare", fileId }).catch(() => {});
  }

  #dropChanged(fileId: string, error: SourceChangedError): void {
    if (!this.#library.get(fileId)) return;
    this.#log.warn(`${error.message}; no longer sharing it`);
    this.#library.remove(fileId);
    this.#shareRecords.delete(fileId);
    this.#saveShared();
    this.#link.request({ t: "unshare", fileId }).catch(() => {});
  }

  #shares(): SharedFileEntry[] {
    return this.#library.list().map(entryOf);
  }
}

function isActive(state: DownloadState): boolean {
  return state === "starting" || state === "running" || state === "waiting";
}

function entryOf(file: ServedFile): SharedFileEntry {
  return {
    fileId: file.fileId,
    manifest: file.manifest,
    ...(file.chunks ? { chunks: file.chunks.toBase64() } : {}),
  };
}
