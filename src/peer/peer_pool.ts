/**
 * Outgoing connections to other peers, one per address, reused for every
 * chunk and every download. Callers asking for the same address at once
 * share one connection attempt.
 *
 * @module
 */

import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { parseHostPort } from "../protocol/channel.ts";
import { type Connection, handshake } from "../protocol/connection.ts";
import { connectWithTimeout } from "../protocol/timeouts.ts";

/** Connections to other peers by `host:port`. */
export class PeerPool {
  #connections = new Map<string, Promise<Connection>>();
  #log: Logger;

  /** An empty pool. */
  constructor(options: { log?: Logger } = {}) {
    this.#log = options.log ?? silentLogger();
  }

  /** The connection to `address`, opened (and handshaken) on first use. */
  get(address: string): Promise<Connection> {
    const known = this.#connections.get(address);
    if (known) return known;
    const opening = this.#open(address);
    this.#connections.set(address, opening);
    opening.catch(() => this.#connections.delete(address));
    return opening;
  }

  /** Closes and forgets the connection to `address`. */
  drop(address: string): void {
    const known = this.#connections.get(address);
    this.#connections.delete(address);
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

  async #open(address: string): Promise<Connection> {
    const conn = await connectWithTimeout(parseHostPort(address));
    const connection = await handshake(conn, { role: "peer", accept: ["peer"] });
    connection.run(() => {}).catch((error) => {
      this.#log.debug(`connection to ${address} ended: ${errorMessage(error)}`);
    }).finally(() => {
      if (this.#connections.get(address)) {
        this.#connections.get(address)!.then((current) => {
          if (current === connection) this.#connections.delete(address);
        }, () => {});
      }
    });
    return connection;
  }
}
