/**
 * The receiving side of `p2pft get`: dials the sender with the code (no
 * network key), proves the code (code_exchange.ts), and with the transfer
 * key the sender grants runs a small peer of its own: a chunk server that
 * serves what it has of the items to the other receivers, a pool of
 * connections to them and the sender, and one download per item. The
 * connection the code was proven on stays open as the link to the sender,
 * which tells who holds which chunks; when everything is verified the
 * receiver says `done` and leaves. It has a fresh identity each run and
 * shares nothing afterwards; what it keeps, given a `stateRoot`, is the
 * journal of each unfinished download (receiver_state.ts), so that a `get`
 * stopped half way resumes when run again.
 *
 * @module
 */

import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { formatHostPort, type HostPort } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import { type Credentials, dial } from "../protocol/dial.ts";
import {
  parseMessage,
  serverToPeerSchema,
  type SharedFileEntry,
  type Source,
  sourcesReplySchema,
} from "../protocol/messages.ts";
import type { Grant } from "../protocol/transfer_messages.ts";
import { createIdentity } from "../security/identity.ts";
import { codePassword, type TransferCode } from "../security/transfer_code.ts";
import { decodeBase64 } from "../storage/base64.ts";
import type { PeerState } from "../storage/peer_state.ts";
import { ChunkServer } from "./chunk_server.ts";
import { proveCode } from "./code_exchange.ts";
import type { Download } from "./download.ts";
import type { FoundSources } from "./download_options.ts";
import { Downloads } from "./downloads.ts";
import { Library } from "./library.ts";
import { PeerPool } from "./peer_pool.ts";
import { closeReceiverState, openReceiverState, resumePoints } from "./receiver_state.ts";
import { Shares } from "./shares.ts";

/** Where the sender of a code listens, and the ID it must prove there. */
export interface SenderLocation extends HostPort {
  peerId: string;
}

/** Options of {@linkcode TransferReceiver.connect}. */
export interface ReceiveOptions {
  /** Interface to serve chunks to the other receivers on. */
  hostname: string;
  /** Port to serve them on, 0 for any free one. */
  port: number;
  /**
   * Folder that holds, per set of items, the journals that let a stopped
   * receiver resume (see receiver_state.ts); none keeps nothing.
   */
  stateRoot?: string;
  log?: Logger;
}

/** A receiver whose code was proven. */
export class TransferReceiver {
  /** What the code grants. */
  readonly items: Grant["items"];
  #link: Connection;
  #running: Promise<void>;
  #chunkServer: ChunkServer;
  #pool: PeerPool;
  #shares: Shares;
  #downloads: Downloads;
  #downloadsClosed: Promise<void> | undefined;
  #state: PeerState | undefined;

  private constructor(
    parts: {
      link: Connection;
      running: Promise<void>;
      grant: Grant;
      chunkServer: ChunkServer;
      pool: PeerPool;
      shares: Shares;
      downloads: Downloads;
      state: PeerState | undefined;
    },
  ) {
    this.#link = parts.link;
    this.#running = parts.running;
    this.items = parts.grant.items;
    this.#chunkServer = parts.chunkServer;
    this.#pool = parts.pool;
    this.#shares = parts.shares;
    this.#downloads = parts.downloads;
    this.#state = parts.state;
  }

  /**
   * Dials the sender at `sender` with `code` and proves it; throws
   * `CodeRefusedError` when the code is wrong or no longer works, and an
   * `IdentityMismatchError` when another program answers there. Then serves
   * on `options.hostname:port` and joins the sender's swarm.
   */
  static async connect(
    sender: SenderLocation,
    code: TransferCode,
    options: ReceiveOptions,
  ): Promise<TransferReceiver> {
    const log = options.log ?? silentLogger();
    const identity = await createIdentity();
    const link = await dial(sender, {
      role: "peer",
      accept: ["peer"],
      credentials: { identity, networkKey: undefined },
      code: true,
      expectId: sender.peerId,
    });
    let downloads: Downloads | undefined;
    const running = link.run((raw) => {
      downloads?.notice(parseMessage(serverToPeerSchema, raw));
    });
    running.catch((error) => log.debug(`link to the sender: ${errorMessage(error)}`));
    let chunkServer: ChunkServer | undefined;
    let state: PeerState | undefined;
    try {
      const grant = await proveCode(link, { selfId: identity.id, password: codePassword(code) });
      const fileIds = grant.items.map((item) => item.fileId);
      state = options.stateRoot === undefined
        ? undefined
        : await openReceiverState(options.stateRoot, { fileIds, log });
      const credentials: Credentials = { identity, networkKey: decodeBase64(grant.key) };
      const library = new Library();
      chunkServer = await ChunkServer.start({
        hostname: options.hostname,
        port: options.port,
        library,
        credentials,
        log: log.child("serve"),
      });
      const swarm = swarmLink(link);
      const shares = new Shares(library, { link: swarm, log });
      const pool = new PeerPool(credentials, { log: log.child("pool") });
      const senderSource: Source = {
        peerId: sender.peerId,
        address: formatHostPort(sender.host, sender.port),
      };
      downloads = new Downloads({
        selfId: identity.id,
        pool,
        findSources: (fileId) => findSources(link, { fileId, sender: senderSource }),
        shares,
        state,
        link: swarm,
        log,
      });
      await link.request({ t: "join", listenPort: chunkServer.port });
      return new TransferReceiver({
        link,
        running,
        grant,
        chunkServer,
        pool,
        shares,
        downloads,
        state,
      });
    } catch (error) {
      link.close();
      await chunkServer?.close();
      await state?.close();
      throw error;
    }
  }

  /**
   * Starts downloading every item into `outDir` (absolute), one download
   * each; an item an earlier receiver of it left unfinished in `outDir`
   * resumes from its `.part` file.
   */
  async start(outDir: string): Promise<Download[]> {
    const points = this.#state ? await resumePoints(this.#state, outDir) : new Map();
    return this.items.map(({ fileId, manifest }) =>
      this.#downloads.start(fileId, manifest, { outDir, resume: points.get(fileId) })
    );
  }

  /** Chunk bytes this receiver served to the others. */
  get uploadedBytes(): number {
    return this.#chunkServer.uploadedBytes;
  }

  /**
   * Tells the sender every item is here and verified, once what follows the
   * downloads (telling the sender they are whole) is done: the sender may
   * stop as soon as it hears it.
   */
  async finished(): Promise<void> {
    await this.#closeDownloads();
    await this.#link.send({ t: "done" }).catch(() => {});
  }

  /** Cancels what still runs, leaves the sender and the other receivers, and stops serving. */
  async close(): Promise<void> {
    await this.#closeDownloads();
    this.#link.close("receiver leaving");
    await this.#running.catch(() => {});
    await this.#pool.close();
    await this.#chunkServer.close();
    this.#shares.close();
    if (this.#state) await closeReceiverState(this.#state);
  }

  #closeDownloads(): Promise<void> {
    this.#downloadsClosed ??= this.#downloads.close();
    return this.#downloadsClosed;
  }
}

/**
 * The link to the sender as downloads and shares use a server link: what
 * the receiver holds goes to the sender's index (by chunk bitfield, without
 * manifests: the sender has them), verified chunks as `have`.
 */
function swarmLink(link: Connection) {
  return {
    async share(files: SharedFileEntry[]): Promise<void> {
      await link.request({
        t: "share",
        files: files.map((
          { fileId, chunks },
        ) => (chunks === undefined ? { fileId } : { fileId, chunks })),
      });
    },
    request: (message: Record<string, unknown>) => link.request(message),
    notify(message: Record<string, unknown>): void {
      link.send(message).catch(() => {});
    },
  };
}

/** The sender (whole) and the receivers its index lists for `fileId`. */
async function findSources(
  link: Connection,
  options: { fileId: string; sender: Source },
): Promise<FoundSources> {
  if (link.closed) return { sources: [options.sender], complete: false };
  const reply = parseMessage(
    sourcesReplySchema,
    await link.request({ t: "sources", fileId: options.fileId }),
  );
  return {
    sources: [options.sender, ...reply.sources],
    complete: reply.total <= reply.sources.length,
  };
}
