/**
 * Connection reversal: a source the server cannot dial (behind NAT or a
 * firewall) dials the downloader instead, and the chunk conversation runs
 * over that connection with the usual roles: the downloader asks, the source
 * serves. The downloader asks the server (`reverse`), the server passes the
 * request on to the source with the downloader's registered address, the
 * source dials it (the downloader must prove its ID) and says `reversed`
 * first; the downloader's chunk port hands such a connection over to the
 * waiting download instead of serving it, provided its dialer proved the ID
 * of a source it is waiting for. See "Connection reversal" in
 * docs/protocol.md.
 *
 * When this peer cannot be dialled either, the same conversation runs
 * through a relay (the server's, or one a peer offers): the downloader asks
 * for a relay (`relay`), both peers connect to the relay port the server
 * names and send the token it issued, and over that spliced connection the source dials as above while
 * the downloader's chunk port answers it (see "Relay" in docs/protocol.md).
 *
 * @module
 */

import net from "node:net";
import { CONNECT_TIMEOUT_MS } from "../constants.ts";
import { MAX_REVERSED_CONNECTIONS, REVERSAL_TIMEOUT_MS } from "./constants.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { formatHostPort, type HostPort, parseHostPort, writeAll } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import { type Credentials, dial } from "../protocol/dial.ts";
import { withTimeout } from "../protocol/timeouts.ts";

/** Peers remembered as unreachable at most; the earliest noted are forgotten first. */
const MAX_UNREACHABLE_REMEMBERED = 10_000;

/** A connection a source dialled back, and when it ends. */
export interface ReversedConnection {
  connection: Connection;
  /** Resolves once the connection has ended. */
  ended: Promise<void>;
  /** How it came: dialled back straight, or through a relay. */
  way: "reversed" | "relayed";
}

/** A relay the server set up: where it listens, and the token to send first. */
export interface RelayTicket {
  token: string;
  port: number;
  /** The host of a peer's relay; absent: the server's relay, on the server's host. */
  host?: string;
}

/** The ticket in the server's reply to `relay`. */
export function relayTicket(reply: Record<string, unknown>): RelayTicket {
  const { token, port, host } = reply;
  return { token: String(token), port: Number(port), host: host ? String(host) : undefined };
}

/** What relaying needs of the peer; absent with `--no-relay`. */
export interface RelayAccess {
  /** The host of the server, where its own relay listens; undefined while unknown. */
  serverHost: () => string | undefined;
  /** Asks the server to relay to `peerId`; rejects when the server refuses. */
  ask: (peerId: string) => Promise<RelayTicket>;
  /** Answers, over `socket`, the source that dials this peer through the relay. */
  answer: (socket: net.Socket) => void;
}

/** Options of {@linkcode Reversal}. */
export interface ReversalOptions {
  /**
   * Whether the server could dial this peer back (once a registration under
   * way is answered); undefined while unknown.
   */
  selfReachable: () => boolean | undefined | Promise<boolean | undefined>;
  /** Asks the server to have `peerId` dial this peer; rejects when the server refuses. */
  ask: (peerId: string) => Promise<unknown>;
  /** Our identity and the network key, to dial downloaders back. */
  credentials: Credentials;
  /** Serves chunks over a connection this peer dialled back, until it ends. */
  serve: (connection: Connection) => Promise<void>;
  /** Relaying, for when neither peer can be dialled; none: never relay. */
  relay?: RelayAccess;
  /** Time to wait for a source to dial back; default {@linkcode REVERSAL_TIMEOUT_MS}. */
  timeoutMs?: number;
  log?: Logger;
}

interface Waiter {
  promise: Promise<ReversedConnection>;
  resolve: (reversed: Omit<ReversedConnection, "way">) => void;
}

/** Both sides of reversal for one peer: the downloads' waits and the dial-backs asked of it. */
export class Reversal {
  #options: ReversalOptions;
  #log: Logger;
  /** Peers the server said it cannot dial. */
  #unreachable = new Set<string>();
  #waiting = new Map<string, Waiter>();
  /** Peers this peer is dialling back, or serving over a connection it dialled back. */
  #dialled = new Set<string>();

  /** Reversal as `options` say. */
  constructor(options: ReversalOptions) {
    this.#options = options;
    this.#log = options.log ?? silentLogger();
  }

  /** Learns from sources (a lookup's, or news of chunks) which peers cannot be dialled. */
  note(sources: { peerId: string; reachable?: boolean }[]): void {
    for (const source of sources) {
      this.#unreachable.delete(source.peerId);
      if (source.reachable === false) this.#unreachable.add(source.peerId);
    }
    for (const peerId of this.#unreachable) {
      if (this.#unreachable.size <= MAX_UNREACHABLE_REMEMBERED) break;
      this.#unreachable.delete(peerId);
    }
  }

  /**
   * How `peerId`, which the server cannot dial, can reach this peer instead:
   * `reversed` when this peer can be dialled, `relayed` (through the
   * server's relay, when allowed) when it cannot; undefined otherwise.
   */
  async wanted(peerId: string): Promise<ReversedConnection["way"] | undefined> {
    return this.#unreachable.has(peerId) ? await this.#way() : undefined;
  }

  async #way(): Promise<ReversedConnection["way"] | undefined> {
    const reachable = await this.#options.selfReachable();
    if (reachable === true) return "reversed";
    return reachable === false && this.#options.relay ? "relayed" : undefined;
  }

  /**
   * Asks the server to have `peerId` dial this peer (through the relay when
   * this peer cannot be dialled either), and resolves to the connection
   * once it arrives; rejects when the server refuses or the source does not
   * dial in time. Callers asking for one source at once share one wait.
   */
  open(peerId: string): Promise<ReversedConnection> {
    const known = this.#waiting.get(peerId);
    if (known) return known.promise;
    const waiter = { resolve: (_) => {} } as Waiter;
    const arrived = new Promise<Omit<ReversedConnection, "way">>((done) => waiter.resolve = done);
    const ms = this.#options.timeoutMs ?? REVERSAL_TIMEOUT_MS;
    waiter.promise = (async () => {
      try {
        const way = (await this.#way()) ?? "reversed";
        if (way === "relayed") await this.#openRelay(peerId);
        else await this.#options.ask(peerId);
        const reversed = await withTimeout(arrived, {
          ms,
          what: `waiting for peer ${peerId}, which cannot be dialled, to dial this peer`,
        });
        return { ...reversed, way };
      } finally {
        if (this.#waiting.get(peerId) === waiter) this.#waiting.delete(peerId);
      }
    })();
    this.#waiting.set(peerId, waiter);
    return waiter.promise;
  }

  /** Asks for a relay to `peerId` and connects this peer's half, answered by its chunk port. */
  async #openRelay(peerId: string): Promise<void> {
    const relay = this.#options.relay!;
    const ticket = await relay.ask(peerId);
    const host = ticket.host ?? relay.serverHost();
    if (host === undefined) throw new Error("not connected to a server, so no relay");
    const socket = net.connect({ host, port: ticket.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.pause();
    socket.write(ticket.token);
    relay.answer(socket);
    this.#log.info(
      `peer ${peerId} and this peer cannot be dialled: relaying through ` +
        (ticket.host ? `a peer's relay at ${formatHostPort(host, ticket.port)}` : "the server"),
    );
  }

  /**
   * Takes a connection whose dialer said `reversed`, if this peer waits for
   * the peer it proved to be; false (refuse it) otherwise.
   */
  offer(connection: Connection, ended: Promise<void>): boolean {
    const waiter = this.#waiting.get(connection.remoteId);
    if (!waiter) return false;
    this.#waiting.delete(connection.remoteId);
    waiter.resolve({ connection, ended });
    return true;
  }

  /**
   * Dials peer `request.peerId` back at `request.address`, or through the
   * server's relay with `request.token` (it must prove that ID either way),
   * says `reversed` and serves it chunks until the connection ends. At most
   * one such connection per peer, and {@linkcode MAX_REVERSED_CONNECTIONS}
   * in all; a relay request is ignored with `--no-relay`; failures are logged.
   */
  async dialBack(
    request: { peerId: string; address: string } | { peerId: string } & RelayTicket,
  ): Promise<void> {
    const { peerId } = request;
    const relay = this.#options.relay;
    const relayed = "token" in request;
    if (relayed && !relay) return;
    if (this.#dialled.has(peerId) || this.#dialled.size >= MAX_REVERSED_CONNECTIONS) return;
    this.#dialled.add(peerId);
    const host = relayed ? request.host ?? relay!.serverHost() : undefined;
    const address = relayed
      ? `the relay at ${formatHostPort(host ?? "", request.port)}`
      : request.address;
    try {
      const target: HostPort = relayed
        ? { host: host ?? "", port: request.port }
        : parseHostPort(request.address);
      const connection = await dial(target, {
        role: "peer",
        accept: ["peer"],
        credentials: this.#options.credentials,
        expectId: peerId,
        timeoutMs: CONNECT_TIMEOUT_MS,
        connect: relayed ? () => connectRelay(target, request.token) : undefined,
      });
      await connection.send({ t: "reversed" });
      this.#log.info(`dialled peer ${peerId} back at ${address} to serve it chunks`);
      await this.#options.serve(connection);
    } catch (error) {
      this.#log.warn(`cannot dial peer ${peerId} back at ${address}: ${errorMessage(error)}`);
    } finally {
      this.#dialled.delete(peerId);
    }
  }
}

/** Connects to the relay at `target` and sends `token`, ready for the dial through it. */
async function connectRelay(target: HostPort, token: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: target.host, port: target.port });
  try {
    await writeAll(conn, new TextEncoder().encode(token));
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}
