/**
 * The central server: accepts one long-lived connection per peer, keeps the
 * {@linkcode FileIndex} up to date from what peers say, answers lookups and
 * drops peers that go silent. All of its state is soft: peers re-register
 * everything when it restarts.
 *
 * @module
 */

import { HANDSHAKE_TIMEOUT_MS, MS_PER_SECOND, PEER_TIMEOUT_MS } from "../constants.ts";
import { PEER_SWEEP_INTERVAL_MS } from "./constants.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { Acceptor } from "../protocol/acceptor.ts";
import type { ConnectionLimits } from "../protocol/admission.ts";
import type { Credentials } from "../protocol/dial.ts";
import type { Connection } from "../protocol/connection.ts";
import { ProtocolError } from "../protocol/frame.ts";
import {
  type FileSummary,
  parseMessage,
  type PeerSummary,
  peerToServerSchema,
  READS_INDEX,
} from "../protocol/messages.ts";
import type { IndexStats } from "../storage/file_index.ts";
import type { Advertisement } from "../discovery/advertiser.ts";
import { isLoopbackHost } from "../discovery/addresses.ts";
import { advertiseServer } from "../discovery/services.ts";
import { seenBy } from "./seen_address.ts";
import { REVERSAL_RATE } from "./reversals.ts";
import { PeerRelays } from "./relays.ts";
import { ReachTable } from "./reach_table.ts";
import { ProbeGate } from "./probe_gate.ts";
import { Relay } from "../protocol/relay.ts";
import type { RelayLimits } from "../protocol/relay_limits.ts";
import {
  DEFAULT_REQUEST_RATE,
  RequestRate,
  type RequestRateLimits,
} from "../protocol/request_rate.ts";
import { answerNameplateRequest, Nameplates, serveGuest } from "./nameplates.ts";
import { type IndexChange, IndexStore } from "./index_store.ts";
import { RateRefusals } from "./rate_refusals.ts";
import { parseKnownShare } from "./known_share.ts";
import { answerRequest, type RequestDesk, type Session } from "./server_requests.ts";
import { background } from "../protocol/paced_queue.ts";

/**
 * Bytes the server reads from one peer ahead of handling them: requests are
 * small, so a peer that sends faster than the server answers waits (TCP
 * flow control) instead of filling the server's memory.
 */
const SERVER_READ_AHEAD_BYTES = 64 * 1024;

/** Options of {@linkcode startServer}. */
export interface ServerOptions {
  /** Interface to listen on; `0.0.0.0` for all. */
  hostname: string;
  /** Port, 0 for any free one. */
  port: number;
  log?: Logger;
  /** The server's identity, and the network key (none: an open network). */
  credentials: Credentials;
  /** Silence after which a peer is dropped; default 15 s. */
  peerTimeoutMs?: number;
  /** Connections held at once, in all and per address; default: see admission.ts. */
  limits?: Partial<ConnectionLimits>;
  /** Requests one connection may send; default `MAX_REQUESTS_PER_SECOND`, burst `MAX_REQUEST_BURST`. */
  requestRate?: RequestRateLimits;
  /**
   * The relay for peers that can be dialled neither way: its port (0 for
   * any free one, the default) and limits; `false` relays nothing.
   */
  relay?: false | { port?: number; limits?: RelayLimits; idleMs?: number };
}

/** What the server's status shows. */
export interface ServerStatus extends IndexStats {
  /** `host:port` it listens on. */
  address: string;
  /** Milliseconds since it started. */
  uptimeMs: number;
}

/** A running central server. */
export class CentralServer {
  /** `host:port` the server really listens on. */
  readonly address: string;
  /** Port it really listens on. */
  readonly port: number;
  #index: IndexStore;
  #acceptor: Acceptor;
  #log: Logger;
  #peerTimeoutMs: number;
  #started = Date.now();
  #connections = new Map<string, Connection>();
  #sweeper: ReturnType<typeof setInterval>;
  #hostname: string;
  #advertisement: Advertisement | undefined;
  #requestRate: RequestRateLimits;
  #refusals: RateRefusals;
  /** Connections that have not registered yet, with when they must have, in order of arrival. */
  #unregistered = new Map<Connection, { session: Session; by: number }>();
  /** Transfer codes' nameplates, claimed by senders and resolved by anyone (see nameplates.ts). */
  #nameplates = new Nameplates();
  /** Where each peer sits (public IP, local networks), for peers behind the same NAT. */
  #reach = new ReachTable((peerId) => this.#index.reachable(peerId));
  #relay: Relay | undefined;
  #peerRelays = new PeerRelays();
  /** What requests read and change, one for all connections. */
  #desk: RequestDesk;
  /** What transfer-code requests need, one for all connections. */
  #guestDesk: { nameplates: Nameplates; log: Logger };

  private constructor(acceptor: Acceptor, options: ServerOptions, relay: Relay | undefined) {
    this.#acceptor = acceptor;
    this.#relay = relay;
    this.#hostname = options.hostname;
    this.#requestRate = options.requestRate ?? DEFAULT_REQUEST_RATE;
    this.#log = options.log ?? silentLogger();
    this.#refusals = new RateRefusals(this.#requestRate, this.#log);
    this.#peerTimeoutMs = options.peerTimeoutMs ?? PEER_TIMEOUT_MS;
    this.#index = new IndexStore({ timeoutMs: this.#peerTimeoutMs });
    this.#index.onChange((change) => {
      if (change.type === "peerLeft") this.#forgetReach(change.peerId);
      this.#forwardHave(change);
    });
    this.#desk = {
      index: this.#index,
      reach: this.#reach,
      probes: new ProbeGate(),
      connections: this.#connections,
      peerRelays: this.#peerRelays,
      relay,
      credentials: options.credentials,
      peerTimeoutMs: this.#peerTimeoutMs,
      log: this.#log,
    };
    this.#guestDesk = { nameplates: this.#nameplates, log: this.#log };
    this.#sweeper = setInterval(() => this.#sweep(), PEER_SWEEP_INTERVAL_MS);
    this.address = this.#acceptor.address;
    this.port = this.#acceptor.addr.port;
    const { total, perAddress } = acceptor.limits;
    this.#log.info(`holding at most ${total} connections, ${perAddress} from one address`);
  }

  /** Starts listening. Throws a clear error when the address is taken. */
  static async start(options: ServerOptions): Promise<CentralServer> {
    let server: CentralServer | undefined = undefined;
    const acceptor = await Acceptor.open({ host: options.hostname, port: options.port }, {
      role: "server",
      accept: ["peer"],
      guests: true,
      credentials: options.credentials,
      log: options.log ?? silentLogger(),
      limits: options.limits,
      readAheadBytes: SERVER_READ_AHEAD_BYTES,
      onConnection: (connection) => server!.#serve(connection),
    });
    let relay: Relay | undefined;
    try {
      relay = options.relay === false ? undefined : await Relay.open(
        { host: options.hostname, port: options.relay?.port ?? 0 },
        { ...options.relay, log: (options.log ?? silentLogger()).child("relay") },
      );
    } catch (error) {
      await acceptor.close("server failed to start");
      throw error;
    }
    server = new CentralServer(acceptor, options, relay);
    return server;
  }

  /**
   * Advertises the server on the LAN over mDNS/DNS-SD. Returns the instance
   * name, or `undefined` when the server listens on loopback (unreachable
   * from the LAN, so there is nothing to advertise).
   */
  async advertise(): Promise<string | undefined> {
    if (isLoopbackHost(this.#hostname)) {
      this.#log.info("not advertising over mDNS: listening on loopback, unreachable from the LAN");
      return undefined;
    }
    const log = this.#log.child("mdns");
    this.#advertisement = await advertiseServer({ host: this.#hostname, port: this.port }, {
      log: (level, message) => log[level](message),
    });
    this.#log.info(`advertised on the LAN as "${this.#advertisement.instanceName}"`);
    return this.#advertisement.instanceName;
  }

  /** The files indexed, one line each, by name. */
  files(): FileSummary[] {
    return this.#index.files().files;
  }

  /** The live peers, one line each, by address, with the age of their last message. */
  peers(): PeerSummary[] {
    return this.#reach.flagged(this.#index.peers(Date.now()).peers);
  }

  /** Current totals, address and uptime. */
  status(): ServerStatus {
    return { ...this.#index.stats(), address: this.address, uptimeMs: Date.now() - this.#started };
  }

  /** Stops accepting, closes every connection and the listener. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.#advertisement?.close();
    await this.#acceptor.close("server shutting down");
    await this.#relay?.close();
    while (background.pending > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  /** The index state, with its change feed (see index_store.ts): what a replica mirrors. */
  get store(): IndexStore {
    return this.#index;
  }

  /** The port the relay listens on; undefined when the server relays nothing. */
  get relayPort(): number | undefined {
    return this.#relay?.port;
  }

  async #serve(connection: Connection): Promise<void> {
    if (connection.remoteHello.network === "code") {
      return await serveGuest(connection, this.#guestDesk);
    }
    const session: Session = {
      rate: new RequestRate(Date.now(), this.#requestRate),
      reversals: new RequestRate(Date.now(), REVERSAL_RATE),
    };
    this.#unregistered.set(connection, { session, by: Date.now() + HANDSHAKE_TIMEOUT_MS });
    try {
      await connection.run((raw) => this.#handle(connection, session, raw));
    } finally {
      this.#unregistered.delete(connection);
      this.#nameplates.release(connection);
      const peerId = session.peerId;
      // Thousands may leave at once: their departures go in slices, so
      // that answers to the peers that stay are not held up behind them.
      if (peerId) background.push(() => this.#depart(peerId, connection));
    }
  }

  async #handle(
    connection: Connection,
    session: Session,
    raw: Record<string, unknown>,
  ): Promise<void> {
    if (!session.rate.take(Date.now())) {
      await this.#refusals.refuse(connection, raw, Date.now());
      return;
    }
    if (await answerNameplateRequest(connection, raw, this.#guestDesk)) return;
    // A downloader's share repeats a manifest looked up here: not checked again.
    const message = parseKnownShare(raw, (fileId) => this.#index.manifestOf(fileId)) ??
      parseMessage(peerToServerSchema, raw);
    if (!READS_INDEX.has(message.t)) await session.registering;
    if (message.t === "register") {
      // Its probe runs while the requests that only read the index are answered.
      session.registering = answerRequest(connection, { session, message }, this.#desk)
        .catch((error) => connection.close(errorMessage(error)));
      return;
    }
    if (!session.peerId && !(session.asking && READS_INDEX.has(message.t))) {
      throw new ProtocolError(`"${message.t}" before "register"`);
    }
    if (session.peerId) this.#index.seen(session.peerId, Date.now());
    await answerRequest(connection, { session, message }, this.#desk);
  }

  /** Forgets `peerId`, gone with `connection`, unless it registered again on another. */
  #depart(peerId: string, connection: Connection): void {
    if (this.#connections.get(peerId) !== connection) return;
    this.#connections.delete(peerId);
    try {
      this.#index.leave(peerId, "left");
    } catch (error) {
      this.#log.error(`a departure failed: ${errorMessage(error)}`);
      return;
    }
    this.#log.info(`peer ${peerId} left (${connection.remote})`);
  }

  /**
   * Tells the other peers downloading the same file at once of a `have`
   * (made here or, on a replica, at another server), so swarms learn who has
   * what without waiting for their next lookup.
   */
  #forwardHave(change: IndexChange): void {
    if (change.type !== "have") return;
    const { peerId, ...message } = change;
    const address = this.#index.addressOf(peerId);
    if (!address) return;
    for (const other of this.#index.downloaders(message.fileId, peerId)) {
      const connection = this.#connections.get(other);
      if (!connection) continue;
      const [seen] = this.#reach.flagged(seenBy(connection, [{ peerId, address }]), other);
      const notice = { t: "have", fileId: message.fileId, ...seen, chunks: message.chunks };
      connection.send(notice).catch(() => {});
    }
  }

  /** Forgets what the server knew of how to reach peer `peerId`, and its relay offer. */
  #forgetReach(peerId: string): void {
    this.#reach.forget(peerId);
    this.#peerRelays.withdraw(peerId);
  }

  #sweep(): void {
    const now = Date.now();
    this.#refusals.sweep(now);
    this.#closeUnregistered(now);
    for (const peerId of this.#index.expire(now)) {
      this.#log.info(
        `peer ${peerId} dropped: no heartbeat for ${this.#peerTimeoutMs / MS_PER_SECOND} s`,
      );
      const connection = this.#connections.get(peerId);
      this.#connections.delete(peerId);
      connection?.close("heartbeat timeout");
    }
  }

  /**
   * Closes the connections that sent no `register` in time: one pass of the
   * sweep for all of them, not a timer each. They are held in order of
   * arrival, so of deadline: the pass stops at the first still in time.
   */
  #closeUnregistered(now: number): void {
    for (const [connection, { session, by }] of this.#unregistered) {
      if (by > now) return;
      this.#unregistered.delete(connection);
      if (session.peerId || this.#nameplates.holds(connection)) continue;
      this.#log.warn(`closed connection from ${connection.remote}: no "register" in time`);
      connection.close("no register in time");
    }
  }
}
