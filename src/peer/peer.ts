/**
 * A peer: shares files, serves their chunks, and downloads files from other
 * peers. It puts together the chunk server, the link to the central server,
 * the LAN peers and its advertisement, the pool of connections to other
 * peers, its {@linkcode Shares}, its {@linkcode Downloads} and the
 * {@linkcode NetworkLookup} that asks the server and the LAN.
 *
 * @module
 */

import { resolve } from "node:path";
import { DEFAULT_DISCOVER_TIMEOUT_MS } from "../constants.ts";
import type { Advertisement } from "../discovery/advertiser.ts";
import { isLoopbackHost } from "../discovery/addresses.ts";
import { advertisePeer } from "../discovery/services.ts";
import { type Logger, silentLogger } from "../log.ts";
import type { Credentials } from "../protocol/dial.ts";
import type { KnownServers } from "../security/known_servers.ts";
import type { FileSummary, LookupResult, PeerSummary } from "../protocol/messages.ts";
import type { HashProgress } from "../storage/hash_file.ts";
import type { PeerState } from "../storage/peer_state.ts";
import { ChunkServer } from "./chunk_server.ts";
import type { Download } from "./download.ts";
import { Downloads } from "./downloads.ts";
import { LanPeers } from "./lan_peers.ts";
import { Library, type ServedFile } from "./library.ts";
import { type Listing, NetworkLookup } from "./network_lookup.ts";
import { PeerPool } from "./peer_pool.ts";
import { relayTicket, Reversal } from "./reversal.ts";
import { answerRelayLink, openRelayOffer } from "./relay_offer.ts";
import type { Relay } from "../protocol/relay.ts";
import { checkServer, credentialsOf, openKnownServers } from "./credentials.ts";
import { ServerLink } from "./server_link.ts";
import { type Registered, Shares } from "./shares.ts";
import { HEX_QUERY, isNotFound, resolveAmong, splitQuery, withNearMisses } from "./file_query.ts";
import { openPeerState } from "./open_state.ts";
import type { PeerOptions, PeerStatus } from "./peer_options.ts";

/** What {@linkcode PeerNode.start} prepares before the node exists. */
interface Parts {
  credentials: Credentials;
  state: PeerState | undefined;
  known: KnownServers | undefined;
  library: Library;
  log: Logger;
  chunkServer: ChunkServer;
  /** The relay this peer offers, if it does. */
  offered?: Relay;
}

/** A running peer. */
export class PeerNode {
  readonly peerId: string;
  #log: Logger;
  #state: PeerState | undefined;
  #chunkServer: ChunkServer;
  #pool: PeerPool;
  #link: ServerLink | undefined;
  #lan: LanPeers | undefined;
  #advertisement: Advertisement | undefined;
  #shares: Shares;
  #network: NetworkLookup;
  #downloads: Downloads;
  #reversal: Reversal | undefined;
  #relay: Relay | undefined;
  #library: Library;
  #networkKey: Uint8Array | undefined;

  private constructor(options: PeerOptions & Parts) {
    const { credentials, known, library, log } = options;
    this.peerId = credentials.identity.id;
    this.#library = library;
    this.#networkKey = credentials.networkKey;
    this.#state = options.state;
    this.#log = log;
    this.#chunkServer = options.chunkServer;
    const relay = this.#relay = options.offered;
    this.#reversal = options.server === undefined ? undefined : new Reversal({
      selfReachable: () => this.#link?.reachableWhenKnown(),
      ask: (peerId) => this.#link!.request({ t: "reverse", peerId }),
      credentials,
      serve: (connection) => this.#chunkServer.serveDialled(connection),
      relay: options.relay === false ? undefined : {
        serverHost: () => this.#link?.serverHost,
        ask: async (peerId) => relayTicket(await this.#link!.request({ t: "relay", peerId })),
        answer: (socket) => this.#chunkServer.acceptRelayed(socket),
      },
      log: log.child("reverse"),
    });
    this.#pool = new PeerPool(credentials, { log: log.child("pool"), reverser: this.#reversal });
    this.#link = options.server && new ServerLink({
      server: options.server,
      credentials,
      checkServer: known && ((address, id) => checkServer(known, { address, id, log })),
      listenPort: this.#chunkServer.port,
      listenHost: options.hostname,
      relayPort: relay?.port,
      onRequest: relay && ((request) => answerRelayLink(relay, request)),
      shares: () => this.#shares.entries(),
      onNotice: (notice) => {
        if (notice.t === "reverse" || notice.t === "relay") {
          this.#reversal?.dialBack(notice);
          return;
        }
        this.#reversal?.note([notice]);
        this.#downloads.notice(notice);
      },
      log: log.child("link"),
    });
    this.#lan = options.lan
      ? new LanPeers(this.peerId, this.#pool, { log: log.child("mdns") })
      : undefined;
    this.#shares = new Shares(library, { state: this.#state, link: this.#link, log });
    this.#network = new NetworkLookup({
      server: this.#link,
      lan: this.#lan,
      discoverTimeoutMs: options.discoverTimeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS,
    });
    this.#downloads = new Downloads({
      selfId: this.peerId,
      pool: this.#pool,
      findSources: async (fileId) => {
        const found = await this.#network.sources(fileId);
        this.#reversal?.note(found.sources);
        return found;
      },
      shares: this.#shares,
      state: this.#state,
      link: this.#link,
      reshare: options.reshare,
      log,
    });
  }

  /**
   * Starts serving and connecting to the server (in the background). With a
   * data folder, re-shares what was shared before and resumes unfinished
   * downloads (unless `resume` is false).
   */
  static async start(options: PeerOptions): Promise<PeerNode> {
    const state = options.dataDir ? await openPeerState(options.dataDir, options) : undefined;
    try {
      const log = options.log ?? silentLogger();
      const credentials = await credentialsOf(state?.dir, options.networkKey);
      const known = state && await openKnownServers(state.dir);
      const library = new Library();
      let peer: PeerNode | undefined = undefined;
      const chunkServer = await ChunkServer.start({
        hostname: options.hostname,
        port: options.port,
        library,
        credentials,
        log: log.child("serve"),
        onSourceChanged: (fileId, error) => {
          if (peer) peer.#shares.dropChanged(fileId, error);
        },
        reversals: {
          offer: (connection, ended) =>
            peer !== undefined && peer.#reversal?.offer(connection, ended) === true,
        },
      });
      const relay = options.offerRelay &&
        await openRelayOffer(options.hostname, { ...options.offerRelay, log: log.child("relay") })
          .catch(async (error) => {
            await chunkServer.close();
            throw error;
          });
      peer = new PeerNode({
        ...options,
        ...{ credentials, state, known, library, log, chunkServer, offered: relay },
      });
      try {
        if (options.mdns) await peer.#advertise(options.hostname);
        await peer.#lan?.start();
        await peer.#shares.restore();
        peer.#link?.start();
        await peer.#downloads.resume(options.resume ?? true, {
          outDir: options.outDir && resolve(options.outDir),
        });
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

  /** The network key this peer uses (given or remembered), if any. */
  get networkKey(): Uint8Array | undefined {
    return this.#networkKey;
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

  /** Chunks this peer has uploaded. */
  get uploadsServed(): number {
    return this.#chunkServer.uploadsServed;
  }

  /**
   * Resolves once registered with the server (with `options.asking`, once
   * lookups may be sent: the registration sent, its answer not yet in);
   * rejects with the reason after `timeoutMs`, or after
   * `options.failFastMs` when every attempt fails.
   */
  async waitConnected(
    timeoutMs: number,
    options: { failFastMs?: number; asking?: boolean } = {},
  ): Promise<void> {
    await this.#link?.waitConnected(timeoutMs, options);
  }

  /** Hashes and shares the file at `path`; `options.signal` stops the hashing. */
  register(
    path: string,
    options: { onProgress?: (progress: HashProgress) => void; signal?: AbortSignal } = {},
  ): Promise<Registered> {
    return this.#shares.register(path, options);
  }

  /**
   * Looks a file up by ID or unique prefix, on the server and (in LAN mode)
   * among the LAN peers, merging their sources. Throws a clear error when
   * it is unknown everywhere, with the near misses among the network's
   * files when there are some.
   */
  async lookup(query: string): Promise<LookupResult> {
    try {
      const found = await this.#network.lookup(query);
      this.#reversal?.note(found.sources);
      return found;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const files = await this.#network.files().catch(() => undefined);
      throw withNearMisses(error, query, files?.entries ?? []);
    }
  }

  /**
   * Starts downloading the file `query` names (ID, unique prefix, or name:
   * see file_query.ts) into `outDir`; `ID:path/inside` or
   * `folder/:path/inside` fetches one file of a folder alone. Resolves once
   * the download runs; await its `done` for the end. `options.inOrder`
   * fetches its chunks in file order (to stream it as it comes).
   */
  async download(
    query: string,
    outDir: string,
    options: { inOrder?: boolean } = {},
  ): Promise<Download> {
    const { query: asked, inside } = splitQuery(query);
    const found = this.#find(asked);
    const { fileId, manifest, sources, total } = await found;
    return this.#downloads.start(fileId, manifest, {
      outDir: resolve(outDir),
      inside,
      localCopy: this.#shares.wholePath(fileId),
      sources: { sources, complete: total <= sources.length },
      inOrder: options.inOrder,
    });
  }

  /** Looks up the file `asked` names: an ID or ID prefix, else a name resolved first. */
  async #find(asked: string): Promise<LookupResult> {
    return await this.lookup(
      HEX_QUERY.test(asked) ? asked : await this.#network.resolveName(asked),
    );
  }

  /**
   * Cancels download number `id` for good: it stops, its `.part` file is
   * deleted and it will not be resumed.
   */
  cancelDownload(id: number): Promise<Download> {
    return this.#downloads.cancel(id);
  }

  /**
   * Stops download number `id`, keeping its `.part` file and record so that
   * {@linkcode resumeDownload} (or the next start) takes it up again.
   */
  stopDownload(id: number): Promise<Download> {
    return this.#downloads.stop(id);
  }

  /** Takes up again download number `id`, stopped or failed, under the same number. */
  resumeDownload(id: number): Download {
    return this.#downloads.restart(id);
  }

  /** Every download started by this peer, oldest first. */
  downloads(): Download[] {
    return this.#downloads.list();
  }

  /**
   * What this peer serves of `fileId`: the whole file or folder, or the
   * verified chunks of its download in progress (its `chunks`).
   */
  served(fileId: string): ServedFile | undefined {
    return this.#library.get(fileId);
  }

  /** What this peer serves. */
  shared(): ServedFile[] {
    return this.#shares.list();
  }

  /**
   * Stops sharing for good the item `query` names among this peer's own (ID
   * prefix or name): no longer served, the server told, not shared again
   * at the next start. Resolves to what it was.
   */
  unshare(query: string): Promise<ServedFile> {
    return this.#shares.unshare(resolveAmong(this.#shares.list(), query).fileId);
  }

  /**
   * Everything the network shares: the server's index, merged with the LAN
   * peers' files; `cut` says how many the server had past the pages fetched.
   */
  networkFiles(): Promise<Listing<FileSummary>> {
    return this.#network.files();
  }

  /**
   * The network's files whose ID or name starts with `partial`, at most
   * about `limit` of each kind: what completion offers, without the whole list.
   */
  matchingFiles(partial: string, limit: number): Promise<FileSummary[]> {
    return this.#network.matchingFiles(partial, limit);
  }

  /** Every peer the server knows, and the LAN peers seen; `cut` as in {@linkcode networkFiles}. */
  networkPeers(): Promise<Listing<PeerSummary>> {
    return this.#network.peers();
  }

  /** Current state in one object. */
  status(): PeerStatus {
    return {
      address: this.address,
      peerId: this.peerId,
      server: this.#link?.serverAddress,
      lan: this.#lan !== undefined,
      connected: this.#link?.connected ?? false,
      refused: this.#link?.refused,
      reachable: this.#link?.connected ? this.#link.reachable : undefined,
      seenAt: this.#link?.connected ? this.#link.dialAddress : undefined,
      shared: this.#shares.list().length,
      downloadsRunning: this.#downloads.running,
      uploadedBytes: this.#chunkServer.uploadedBytes,
    };
  }

  /** Cancels downloads, says goodbye to the server and other peers, and stops serving. */
  async close(): Promise<void> {
    await this.#downloads.close();
    await this.#advertisement?.close();
    await this.#lan?.close();
    await this.#link?.close();
    await this.#pool.close();
    await this.#chunkServer.close();
    await this.#relay?.close();
    this.#shares.close();
    await this.#state?.close();
  }

  async #advertise(hostname: string): Promise<void> {
    if (isLoopbackHost(hostname)) {
      this.#log.info("not advertising over mDNS: listening on loopback, unreachable from the LAN");
      return;
    }
    const log = this.#log.child("mdns");
    this.#advertisement = await advertisePeer({ host: hostname, port: this.#chunkServer.port }, {
      peerId: this.peerId,
      log: (level, message) => log[level](message),
    });
    this.#log.info(`advertised on the LAN as "${this.#advertisement.instanceName}"`);
  }
}
