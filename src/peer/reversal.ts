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
 * @module
 */

import { CONNECT_TIMEOUT_MS, MAX_REVERSED_CONNECTIONS, REVERSAL_TIMEOUT_MS } from "../constants.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { parseHostPort } from "../protocol/channel.ts";
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
}

/** Options of {@linkcode Reversal}. */
export interface ReversalOptions {
  /** Whether the server could dial this peer back; undefined while unknown. */
  selfReachable: () => boolean | undefined;
  /** Asks the server to have `peerId` dial this peer; rejects when the server refuses. */
  ask: (peerId: string) => Promise<unknown>;
  /** Our identity and the network key, to dial downloaders back. */
  credentials: Credentials;
  /** Serves chunks over a connection this peer dialled back, until it ends. */
  serve: (connection: Connection) => Promise<void>;
  /** Time to wait for a source to dial back; default {@linkcode REVERSAL_TIMEOUT_MS}. */
  timeoutMs?: number;
  log?: Logger;
}

interface Waiter {
  promise: Promise<ReversedConnection>;
  resolve: (reversed: ReversedConnection) => void;
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

  /** True when `peerId` cannot be dialled but can dial this peer: ask it to. */
  wanted(peerId: string): boolean {
    return this.#unreachable.has(peerId) && this.#options.selfReachable() === true;
  }

  /**
   * Asks the server to have `peerId` dial this peer, and resolves to the
   * connection once it arrives; rejects when the server refuses or the
   * source does not dial in time. Callers asking for one source at once
   * share one wait.
   */
  open(peerId: string): Promise<ReversedConnection> {
    const known = this.#waiting.get(peerId);
    if (known) return known.promise;
    const waiter = { resolve: (_: ReversedConnection) => {} } as Waiter;
    const arrived = new Promise<ReversedConnection>((done) => waiter.resolve = done);
    const ms = this.#options.timeoutMs ?? REVERSAL_TIMEOUT_MS;
    waiter.promise = (async () => {
      try {
        await this.#options.ask(peerId);
        return await withTimeout(arrived, {
          ms,
          what: `waiting for peer ${peerId}, which cannot be dialled, to dial this peer`,
        });
      } finally {
        if (this.#waiting.get(peerId) === waiter) this.#waiting.delete(peerId);
      }
    })();
    this.#waiting.set(peerId, waiter);
    return waiter.promise;
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
   * Dials peer `request.peerId` back at `request.address` (it must prove
   * that ID), says `reversed` and serves it chunks until the connection
   * ends. At most one such connection per peer, and
   * {@linkcode MAX_REVERSED_CONNECTIONS} in all; failures are logged.
   */
  async dialBack(request: { peerId: string; address: string }): Promise<void> {
    const { peerId, address } = request;
    if (this.#dialled.has(peerId) || this.#dialled.size >= MAX_REVERSED_CONNECTIONS) return;
    this.#dialled.add(peerId);
    try {
      const connection = await dial(parseHostPort(address), {
        role: "peer",
        accept: ["peer"],
        credentials: this.#options.credentials,
        expectId: peerId,
        timeoutMs: CONNECT_TIMEOUT_MS,
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
