/**
 * Outgoing connections to other peers, one per peer and address, reused for
 * every chunk and every download. Callers asking for the same peer at once
 * share one connection attempt. Each connection is pinned: the peer at the
 * address must prove the ID it was announced with, or the attempt fails with
 * an `IdentityMismatchError`. A source that cannot be dialled is asked to
 * dial this peer instead, when it can, or through a relay when
 * neither can be dialled (see reversal.ts).
 *
 * @module
 */

import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { parseHostPort } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import { type Credentials, dial } from "../protocol/dial.ts";
import type { ReversedConnection } from "./reversal.ts";

/** Connections that sources dial back at this peer's request (a {@linkcode Reversal} outside tests). */
export interface Reverser {
  /**
   * How `peerId` should reach this peer instead of being dialled: asked to
   * dial back (`reversed`), or, when a direct dial fails, through the relay
   * (`relayed`); undefined: just dial it.
   */
  wanted(peerId: string): Promise<"reversed" | "relayed" | undefined>;
  /** Asks `peerId` to dial back and resolves to its connection. */
  open(peerId: string): Promise<ReversedConnection>;
}

/** Connections to other peers by peer ID and `host:port`. */
export class PeerPool {
  #connections = new Map<string, Promise<Connection>>();
  #credentials: Credentials;
  #log: Logger;
  #reverser: Reverser | undefined;
  /** Keys of the connections sources dialled back, those connections and how they came. */
  #reversed = new Map<string, { connection: Connection; way: "reversed" | "relayed" }>();

  /** An empty pool dialling as `credentials`, asking for reversal through `options.reverser`. */
  constructor(credentials: Credentials, options: { log?: Logger; reverser?: Reverser } = {}) {
    this.#credentials = credentials;
    this.#log = options.log ?? silentLogger();
    this.#reverser = options.reverser;
  }

  /**
   * Whether the connection to `peerId` at `address` was dialled by us, or
   * back by it (reversal), straight or through the relay.
   */
  way(address: string, peerId: string): "direct" | "reversed" | "relayed" {
    return this.#reversed.get(poolKey(address, peerId))?.way ?? "direct";
  }

  /** The connection to peer `peerId` at `address`, opened (and handshaken) on first use. */
  get(address: string, peerId: string): Promise<Connection> {
    const key = poolKey(address, peerId);
    const known = this.#connections.get(key);
    if (known) return known;
    const opening = this.#open(address, peerId);
    this.#connections.set(key, opening);
    opening.catch(() => this.#connections.delete(key));
    return opening;
  }

  /** Closes and forgets the connection to peer `peerId` at `address`. */
  drop(address: string, peerId: string): void {
    const key = poolKey(address, peerId);
    const known = this.#connections.get(key);
    this.#connections.delete(key);
    known?.then((connection) => connection.close(), () => {});
  }

  /** Says goodbye to and closes every connection. */
  async close(): Promise<void> {
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(all.map(async (opening) => {
      try {
        const connection = await opening;
        await connection.send({ t: "bye" }).catch(() => {});
        connection.close();
      } catch {
        // A connection that never opened needs no goodbye.
      }
    }));
  }

  async #open(address: string, peerId: string): Promise<Connection> {
    const key = poolKey(address, peerId);
    const wanted = await this.#reverser?.wanted(peerId);
    if (wanted === "reversed") {
      try {
        return await this.#dialledBack(key, peerId);
      } catch (error) {
        // An older peer ignores the request; one on our side of its NAT may still be dialled.
        this.#log.debug(`peer ${peerId} did not dial back (${errorMessage(error)}); dialling it`);
      }
    }
    try {
      return await this.#dial(key, address, peerId);
    } catch (error) {
      // Peers behind one NAT reach each other directly: the relay only when that fails.
      if (wanted !== "relayed") throw error;
      this.#log.debug(`cannot dial peer ${peerId} (${errorMessage(error)}); asking for a relay`);
      return await this.#dialledBack(key, peerId);
    }
  }

  /** Has `peerId` dial this peer back, straight or through the relay. */
  async #dialledBack(key: string, peerId: string): Promise<Connection> {
    const { connection, ended, way } = await this.#reverser!.open(peerId);
    this.#reversed.set(key, { connection, way });
    this.#log.info(
      `peer ${peerId} cannot be dialled: it dialled this peer back` +
        (way === "relayed" ? " through a relay" : " (reversal)"),
    );
    this.#forgetWhenEnded(key, connection, ended);
    return connection;
  }

  async #dial(key: string, address: string, peerId: string): Promise<Connection> {
    const connection = await dial(parseHostPort(address), {
      role: "peer",
      accept: ["peer"],
      credentials: this.#credentials,
      expectId: peerId,
    });
    const ended = connection.run(() => {}).catch((error) => {
      this.#log.debug(`connection to ${address} ended: ${errorMessage(error)}`);
    });
    this.#forgetWhenEnded(key, connection, ended);
    return connection;
  }

  #forgetWhenEnded(key: string, connection: Connection, ended: Promise<void>): void {
    ended.finally(() => {
      if (this.#reversed.get(key)?.connection === connection) this.#reversed.delete(key);
      this.#connections.get(key)?.then((current) => {
        if (current === connection) this.#connections.delete(key);
      }, () => {});
    });
  }
}

function poolKey(address: string, peerId: string): string {
  return `${peerId}@${address}`;
}
