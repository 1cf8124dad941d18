/**
 * A peer: shares files, serves their chunks, and downloads files from other
 * peers. It ties together the chunk server, the link to the central server,
 * the pool of connections to other peers and the running downloads.
 *
 * @module
 */

import { resolve } from "node:path";
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
import { z } from "zod";
import { ChunkServer } from "./chunk_server.ts";
import { Download } from "./download.ts";
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
  /** Stable identity; default a random UUID. */
  peerId?: string;
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
  #downloads: Download[] = [];
  #nextDownloadId = 1;

  private constructor(options: PeerOptions) {
    this.peerId = options.peerId ?? crypto.randomUUID();
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

  /** Starts serving and connecting to the server (in the background). */
  static start(options: PeerOptions): PeerNode {
    return new PeerNode(options);
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
    const outDir = resolve(options.outDir);
    const running = this.#downloads.find((d) =>
      d.fileId === fileId && ["starting", "running", "waiting"].includes(d.progress().state)
    );
    if (running) {
      this.#log.info(`${manifest.name} is already being downloaded`);
      return running;
    }
    const download = new Download(fileId, manifest, {
      id: this.#nextDownloadId++,
      outDir,
      pool: this.#pool,
      hasher: this.#hasher,
      selfId: this.peerId,
      findSources: async (id) => (await this.lookup(id)).sources,
      onPartial: ({ part, chunks }) => {
        const existing = this.#library.get(fileId);
        if (existing && existing.chunks === undefined) return;
        const partial = partialFile(fileId, { manifest, part, chunks });
        this.#library.put(partial);
        this.#link.share([entryOf(partial)]).catch(() => {});
      },
      onChunk: (index) => this.#link.notify({ t: "have", fileId, chunks: [index] }),
      log: this.#log.child(`download ${manifest.name}`),
    });
    this.#downloads.push(download);
    download.done.then(
      (result) => this.#onDownloaded(fileId, manifest, result.path),
      () => this.#onDownloadFailed(fileId),
    );
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
    this.#log.info(
      `uploaded ${this.#chunkServer.uploadedBytes} bytes ` +
        `(${this.#chunkServer.uploadsServed} chunks) to other peers`,
    );
  }

  async #onDownloaded(fileId: string, manifest: Manifest, path: string): Promise<void> {
    try {
      const info = await Deno.stat(path);
      const file = sharedFile(fileId, {
        path,
        manifest,
        mtimeMs: info.mtime?.getTime() ?? 0,
      });
      this.#library.put(file);
      await this.#link.share([entryOf(file)]);
    } catch (error) {
      this.#log.warn(`could not share the downloaded ${path}: ${errorMessage(error)}`);
    }
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
    this.#link.request({ t: "unshare", fileId }).catch(() => {});
  }

  #shares(): SharedFileEntry[] {
    return this.#library.list().map(entryOf);
  }
}

function entryOf(file: ServedFile): SharedFileEntry {
  return {
    fileId: file.fileId,
    manifest: file.manifest,
    ...(file.chunks ? { chunks: file.chunks.toBase64() } : {}),
  };
}
