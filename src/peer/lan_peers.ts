/**
 * Serverless LAN mode: the peers discovered over mDNS, and file lookups
 * answered by asking each of them what it serves. The answers are gathered
 * into a {@linkcode FileIndex}, so prefixes resolve exactly as on a server.
 *
 * @module
 */

import { PEER_SERVICE_TYPE, REQUEST_TIMEOUT_MS } from "../constants.ts";
import { type ServiceChange, type ServiceWatcher, watchServices } from "../discovery/browser.ts";
import { instanceAddress, TXT_KEY_PEER_ID } from "../discovery/services.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { formatHostPort } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import { parseMessage, sharedFileSchema, type Source } from "../protocol/messages.ts";
import { withTimeout } from "../protocol/timeouts.ts";
import { FileIndex } from "../storage/file_index.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { computeFileId } from "../storage/manifest.ts";
import { z } from "zod";

/** A peer found on the LAN. */
export interface LanPeer {
  /** Its peer ID, from its TXT record. */
  peerId: string;
  /** `host:port` it serves chunks on. */
  address: string;
}

/** Connections to other peers by address: a {@linkcode PeerPool} outside tests. */
export interface LanPool {
  /** The connection to peer `peerId` at `address`, opened on first use. */
  get(address: string, peerId: string): Promise<Pick<Connection, "request">>;
}

/** Watches the LAN for peer services, telling `onChange` of each change. */
export type LanWatch = (
  onChange: (change: ServiceChange) => void,
) => Promise<Pick<ServiceWatcher, "instances" | "close">>;

/** Options of {@linkcode LanPeers}. */
export interface LanPeersOptions {
  log?: Logger;
  /** How the LAN is watched; default mDNS, with {@linkcode watchServices}. */
  watch?: LanWatch;
}

const searchReplySchema = z.object({ matches: z.array(sharedFileSchema) });
const bitfieldReplySchema = z.object({ chunks: z.string() });

/** The peers of the LAN, kept up to date by an mDNS watch. */
export class LanPeers {
  #watcher: Pick<ServiceWatcher, "instances" | "close"> | undefined;
  #selfId: string;
  #pool: LanPool;
  #log: Logger;
  #watch: LanWatch;

  /** LAN peers other than `selfId`, reached through `pool`; none until {@linkcode start}ed. */
  constructor(selfId: string, pool: LanPool, options: LanPeersOptions = {}) {
    this.#selfId = selfId;
    this.#pool = pool;
    this.#log = options.log ?? silentLogger();
    const log = this.#log;
    this.#watch = options.watch ??
      ((onChange) =>
        watchServices(PEER_SERVICE_TYPE, {
          log: (level, message) => log[level](message),
          onChange,
        }));
  }

  /** Starts watching the LAN for peers. */
  async start(): Promise<void> {
    this.#watcher ??= await this.#watch((change) => {
      if (change.instance.txt[TXT_KEY_PEER_ID] === this.#selfId) return;
      this.#log.info(`LAN peer ${change.instance.instanceName} ${change.type}`);
    });
  }

  /** The other peers seen on the LAN now. */
  peers(): LanPeer[] {
    const result: LanPeer[] = [];
    for (const instance of this.#watcher?.instances() ?? []) {
      const peerId = instance.txt[TXT_KEY_PEER_ID];
      const address = instanceAddress(instance);
      if (!peerId || peerId === this.#selfId || !address) continue;
      result.push({ peerId, address: formatHostPort(address.host, address.port) });
    }
    return result;
  }

  /** Asks every LAN peer which of its files match `query` ("" for all) and indexes the answers. */
  async index(query: string): Promise<FileIndex> {
    const index = new FileIndex();
    const now = Date.now();
    await Promise.all(
      this.peers().map(async (peer) => {
        try {
          const connection = await this.#pool.get(peer.address, peer.peerId);
          const reply = parseMessage(
            searchReplySchema,
            await withTimeout(connection.request({ t: "search", query }), {
              ms: REQUEST_TIMEOUT_MS,
              what: `search on ${peer.address}`,
            }),
          );
          index.addPeer(peer.peerId, { address: peer.address, now });
          for (const match of reply.matches) {
            if (await computeFileId(match.manifest) !== match.fileId) continue;
            const count = match.manifest.chunkHashes.length;
            const chunks = match.chunks === undefined
              ? undefined
              : Bitfield.fromBase64(match.chunks, count);
            index.share(peer.peerId, { fileId: match.fileId, manifest: match.manifest, chunks });
          }
        } catch (error) {
          this.#log.debug(`LAN peer ${peer.address} did not answer: ${errorMessage(error)}`);
        }
      }),
    );
    return index;
  }

  /**
   * Which LAN peers hold `fileId` now, asked with a bitfield request (cheap
   * whatever the file's size): a running download's refresh.
   */
  async sources(fileId: string): Promise<Source[]> {
    const found: Source[] = [];
    await Promise.all(
      this.peers().map(async (peer) => {
        try {
          const connection = await this.#pool.get(peer.address, peer.peerId);
          const reply = await withTimeout(connection.request({ t: "bitfield", fileId }), {
            ms: REQUEST_TIMEOUT_MS,
            what: `bitfield from ${peer.address}`,
          });
          const { chunks } = parseMessage(bitfieldReplySchema, reply);
          found.push({ peerId: peer.peerId, address: peer.address, chunks });
        } catch (error) {
          this.#log.debug(`LAN peer ${peer.address} has no ${fileId}: ${errorMessage(error)}`);
        }
      }),
    );
    return found;
  }

  /** Stops watching. */
  async close(): Promise<void> {
    await this.#watcher?.close();
  }
}
