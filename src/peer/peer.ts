/**
 * A peer: shares files, serves their chunks, and downloads files from other
 * peers. It ties together the chunk server, the link to the central server,
 * the pool of connections to other peers and the running downloads.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { cpuUsage } from "node:process";
import {
  CHUNK_SIZE,
  DEFAULT_DISCOVER_TIMEOUT_MS,
  MAX_CHUNKS_IN_MEMORY,
  MICROSECONDS_PER_MS,
} from "../constants.ts";
import { BufferPool } from "./buffer_pool.ts";
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
import { LanPeers } from "./lan_peers.ts";
import type { Advertisement } from "../discovery/advertiser.ts";
import { isLoopbackHost } from "../discovery/addresses.ts";
import { advertisePeer } from "../discovery/services.ts";
import { LookupError } from "../storage/file_index.ts";

/** Options of {@linkcode PeerNode.start}. */
export interface PeerOptions {
  /** Interface to serve chunks on. */
  hostname: string;
  /** Port to serve chunks on, 0 for any free one. */
  port: number;
  /** The central server, or a function that finds it; none in serverless LAN mode. */
  server?: HostPort | (() => Promise<HostPort>);
  /** Advertise this peer over mDNS (ignored when it listens on loopback). */
  mdns?: boolean;
  /** Find other peers over mDNS and look files up by asking them (serverless LAN mode). */
  lan?: boolean;
  /** How long a LAN lookup keeps asking while no peer has the file; default 5 s. */
  discoverTimeoutMs?: number;
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
  /** `host:port` of the central server; undefined in serverless LAN mode. */
  server: string | undefined;
  /** True when peers are also found over mDNS (LAN mode). */
  lan: boolean;
  /** True while registered with the server. */
  connected: boolean;
  /** Files this peer serves (shared or partly downloaded). */
  shared: number;
  /** Downloads running. */
  downloadsRunning: number;
  /** Chunk bytes uploaded to other peers. */
  uploadedBytes: number;
}

/** Pause between two LAN lookups. */
const LAN_LOOKUP_RETRY_MS = 500;

/** A file found on the network and who holds it. */
export interface LookupResult {
  /** Full file ID. */
  fileId: string;
  /** Its manifest. */
  manifest: Manifest;
  /** Peers holding chunks of it. */
  sources: Source[];
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
  #link: ServerLink | undefined;
  #lan: LanPeers | undefined;
  #advertisement: Advertisement | undefined;
  #pool: PeerPool;
  #hasher = new ChunkHasher();
  #buffers = new BufferPool(MAX_CHUNKS_IN_MEMORY, { bufferBytes: CHUNK_SIZE });
  #state: PeerState | undefined;
  #downloads: Download[] = [];
  #shareRecords = new Map<string, SharedRecord>();
  /** Work done after a download ends (sharing the result), awaited on close. */
  #settling = new Set<Promise<void>>();
  #nextDownloadId = 1;
  #discoverTimeoutMs: number;

  private constructor(options: PeerOptions & { peerId: string; state?: PeerState }) {
    this.peerId = options.peerId;
    this.#state = options.state;
    this.#log = options.log ?? silentLogger();
    this.#discoverTimeoutMs = options.discoverTimeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS;
    this.#chunkServer = ChunkServer.start({
      hostname: options.hostname,
      port: options.port,
      library: this.#library,
      log: this.#log.child("serve"),
      onSourceChanged: (fileId, error) => this.#dropChanged(fileId, error),
    });
    this.#pool = new PeerPool({ log: this.#log.child("pool") });
    if (!options.server) return;
    this.#link = new ServerLink({
      server: options.server,
      peerId: this.peerId,
      listenPort: this.#chunkServer.port,
      listenHost: options.hostname,
      shares: () => this.#shares(),
      onNotice: (notice) =>
        this.#running(notice.fileId)?.addChunks(notice.peerId, {
          address: notice.address,
          chunks: notice.chunks,
        }),
      log: this.#log.child("link"),
    });
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
      try {
        await peer.#startDiscovery(options);
        await peer.#reshareSaved();
        peer.#link?.start();
        await peer.#resumeDownloads(options.resume ?? true);
      } catch (error) {
        await peer.close();
        throw error;
      }
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

  /** Chunk bytes this peer has uploaded. */
  get uploadedBytes(): number {
    return this.#chunkServer.uploadedBytes;
  }

  /** Resolves once registered with the server; rejects with the reason after `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<void> {
    await this.#link?.waitConnected(timeoutMs);
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
    await this.#link?.share([entryOf(file)]).catch((error) => {
      this.#log.warn(`could not tell the server yet (${errorMessage(error)}); will retry`);
    });
    return { fileId: hashed.fileId, manifest: hashed.manifest, path: absolute };
  }

  /**
   * Looks a file up by ID or unique prefix, on the server and (in LAN mode)
   * among the LAN peers, merging their sources. Throws a clear error when
   * it is unknown everywhere.
   */
  async lookup(query: string): Promise<LookupResult> {
    const found: LookupResult[] = [];
    const failures: unknown[] = [];
    await Promise.all([
      this.#link && this.#serverLookup(query).then((r) => found.push(r), (e) => failures.push(e)),
      this.#lan && this.#lanLookup(query).then((r) => found.push(r), (e) => failures.push(e)),
    ]);
    if (found.length === 0) throw failures[0];
    const [first] = found;
    const same = found.filter((result) => result.fileId === first.fileId);
    return { ...first, sources: mergeSources(same.map((result) => result.sources)) };
  }

  /**
   * Who holds `fileId` now, for a running download: the server's answer
   * (sources only, not the manifest again) merged with the LAN peers'.
   */
  async #findSources(fileId: string): Promise<Source[]> {
    const lists: Source[][] = [];
    const failures: unknown[] = [];
    await Promise.all([
      this.#link?.request({ t: "sources", fileId }).then(
        (reply) => lists.push(parseMessage(z.array(sourceSchema), reply.sources)),
        (error) => failures.push(error),
      ),
      this.#lan?.sources(fileId).then((sources) => lists.push(sources)),
    ]);
    if (lists.length === 0) throw failures[0];
    return mergeSources(lists);
  }

  async #serverLookup(query: string): Promise<LookupResult> {
    const reply = parseMessage(
      lookupReplySchema,
      await this.#link!.request({ t: "lookup", query }),
    );
    if (await computeFileId(reply.manifest) !== reply.fileId) {
      throw new Error(`the server sent a manifest that does not match file ID ${reply.fileId}`);
    }
    return reply;
  }

  async #lanLookup(query: string): Promise<LookupResult> {
    const deadline = Date.now() + this.#discoverTimeoutMs;
    while (true) {
      try {
        return (await this.#lan!.index(query)).lookup(query);
      } catch (error) {
        if (!(error instanceof LookupError) || error.code !== "not-found") throw error;
        if (Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, LAN_LOOKUP_RETRY_MS));
    }
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

  /** Everything the network shares: the server's index, merged with the LAN peers' files. */
  async networkFiles(): Promise<FileSummary[]> {
    const lists = await Promise.all([
      this.#link?.request({ t: "files" }).then((reply) =>
        parseMessage(z.array(fileSummarySchema), reply.files)
      ),
      this.#lan?.index("").then((index) => index.files()),
    ]);
    const files = new Map<string, FileSummary>();
    for (const file of lists.flatMap((list) => list ?? [])) {
      if (!files.has(file.fileId)) files.set(file.fileId, file);
    }
    return [...files.values()];
  }

  /** Every peer the server knows, and the LAN peers seen. */
  async networkPeers(): Promise<PeerSummary[]> {
    const fromServer = this.#link
      ? parseMessage(z.array(peerSummarySchema), (await this.#link.request({ t: "peers" })).peers)
      : [];
    const known = new Set(fromServer.map((peer) => peer.peerId));
    const fromLan = (this.#lan?.peers() ?? [])
      .filter((peer) => !known.has(peer.peerId))
      .map((peer) => ({ ...peer, files: 0, lastSeenMs: 0 }));
    return [...fromServer, ...fromLan];
  }

  /** Current state in one object. */
  status(): PeerStatus {
    return {
      address: this.address,
      peerId: this.peerId,
      server: this.#link?.serverAddress,
      lan: this.#lan !== undefined,
      connected: this.#link?.connected ?? false,
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
    await Promise.allSettled([...this.#settling]);
    await this.#advertisement?.close();
    await this.#lan?.close();
    await this.#link?.close();
    await this.#pool.close();
    await this.#chunkServer.close();
    this.#library.close();
    this.#hasher.close();
    await this.#state?.close();
    this.#log.info(
      `uploaded ${this.#chunkServer.uploadedBytes} bytes ` +
        `(${this.#chunkServer.uploadsServed} chunks) to other peers; ` +
        `${cpuMilliseconds()} ms of CPU time in all`,
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
      buffers: this.#buffers,
      selfId: this.peerId,
      findSources: (id) => this.#findSources(id),
      onPartial: ({ path, part, chunks }) => {
        this.#state?.beginDownload({ fileId, manifest, path }, chunks.indexes()).catch((error) => {
          this.#log.warn(`cannot record the download for resuming: ${errorMessage(error)}`);
        });
        const existing = this.#library.get(fileId);
        if (existing && existing.chunks === undefined) return;
        const partial = partialFile(fileId, { manifest, part, chunks });
        this.#library.put(partial);
        this.#link?.share([entryOf(partial)]).catch(() => {});
      },
      onChunk: (index) => {
        this.#link?.notify({ t: "have", fileId, chunks: [index] });
        this.#state?.chunkDone(fileId, index).catch(() => {});
      },
      log: this.#log.child(`download ${manifest.name}`),
    });
    this.#downloads.push(download);
    const settled = download.done.then(
      (result) => this.#onDownloaded(fileId, manifest, result.path),
      () => this.#onDownloadFailed(fileId),
    );
    this.#settling.add(settled);
    settled.finally(() => this.#settling.delete(settled));
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
      await this.#link?.share([entryOf(this.#library.get(fileId)!)]);
    } catch (error) {
      this.#log.warn(`could not share the downloaded ${path}: ${errorMessage(error)}`);
    }
  }

  async #startDiscovery(options: PeerOptions): Promise<void> {
    const listen = { host: options.hostname, port: this.#chunkServer.port };
    const log = this.#log.child("mdns");
    const discoveryLog = (level: "debug" | "info" | "warn" | "error", message: string) =>
      log[level](message);
    if (options.mdns) {
      if (isLoopbackHost(options.hostname)) {
        this.#log.info(
          "not advertising over mDNS: listening on loopback, unreachable from the LAN",
        );
      } else {
        this.#advertisement = await advertisePeer(listen, {
          peerId: this.peerId,
          log: discoveryLog,
        });
        this.#log.info(`advertised on the LAN as "${this.#advertisement.instanceName}"`);
      }
    }
    if (options.lan) {
      this.#lan = await LanPeers.start({ selfId: this.peerId, pool: this.#pool, log });
    }
  }

  /** Shares again what the data folder remembers sharing. */
  async #reshareSaved(): Promise<void> {
    if (!this.#state) return;
    for (const record of await this.#state.loadShared()) {
      await this.#reshare(record);
    }
    await this.#saveShared();
  }

  /** Resumes the unfinished downloads the data folder remembers, unless told not to. */
  async #resumeDownloads(resume: boolean): Promise<void> {
    if (!this.#state) return;
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
    this.#link?.request({ t: "unshare", fileId }).catch(() => {});
  }

  #dropChanged(fileId: string, error: SourceChangedError): void {
    if (!this.#library.get(fileId)) return;
    this.#log.warn(`${error.message}; no longer sharing it`);
    this.#library.remove(fileId);
    this.#shareRecords.delete(fileId);
    this.#saveShared();
    this.#link?.request({ t: "unshare", fileId }).catch(() => {});
  }

  #shares(): SharedFileEntry[] {
    return this.#library.list().map(entryOf);
  }
}

/** The sources of several lists, each peer once (its first entry wins). */
export function mergeSources(lists: Source[][]): Source[] {
  const sources = new Map<string, Source>();
  for (const source of lists.flat()) {
    if (!sources.has(source.peerId)) sources.set(source.peerId, source);
  }
  return [...sources.values()];
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

/** CPU time this process has used so far (user + system, every thread), in ms. */
function cpuMilliseconds(): number {
  const { user, system } = cpuUsage();
  return Math.round((user + system) / MICROSECONDS_PER_MS);
}
