/**
 * Accepting connections: listen, handshake each newcomer, hand it to a
 * handler, log why it ended, and close everything on shutdown. Shared by
 * the central server and a peer's chunk server.
 *
 * @module
 */

import { errorMessage, type Logger } from "../log.ts";
import { formatAddr, formatHostPort, type HostPort } from "./channel.ts";
import { type Connection, handshake, type HandshakeOptions } from "./connection.ts";

/**
 * Listens on `address`; an address in use becomes an error that says what
 * to do, naming the option `flag` that sets it.
 */
export function listenTcp(address: HostPort, flag: string): Deno.TcpListener {
  try {
    return Deno.listen({ hostname: address.host, port: address.port });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(
        `${formatHostPort(address.host, address.port)} is already in use: ` +
          `stop the other process or pick another port with ${flag} (0 picks a free one)`,
      );
    }
    throw error;
  }
}

/** Options of {@linkcode Acceptor}. */
export interface AcceptorOptions extends Pick<HandshakeOptions, "role" | "accept"> {
  log: Logger;
  /** Runs one handshaken connection until it ends; a rejection is logged as the reason. */
  onConnection: (connection: Connection) => Promise<void>;
}

/** Accepts and serves connections on a listener until closed. */
export class Acceptor {
  /** `host:port` it listens on. */
  readonly address: string;
  /** The listening address. */
  readonly addr: Deno.NetAddr;
  #listener: Deno.TcpListener;
  #options: AcceptorOptions;
  #open = new Set<Connection>();
  #loop: Promise<void>;

  /** Starts accepting on `listener`. */
  constructor(listener: Deno.TcpListener, options: AcceptorOptions) {
    this.#listener = listener;
    this.#options = options;
    this.addr = listener.addr;
    this.address = formatAddr(listener.addr);
    this.#loop = this.#accept();
  }

  /** Connections currently open. */
  get connections(): number {
    return this.#open.size;
  }

  /** Stops accepting and closes every connection with `reason`. */
  async close(reason: string): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const connection of this.#open) connection.close(reason);
    await this.#loop;
  }

  async #accept(): Promise<void> {
    const log = this.#options.log;
    while (true) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
          return;
        }
        log.warn(`accept failed: ${errorMessage(error)}`);
        continue;
      }
      conn.setNoDelay(true);
      this.#serve(conn).catch((error) => log.error(`connection: ${errorMessage(error)}`));
    }
  }

  async #serve(conn: Deno.TcpConn): Promise<void> {
    const remote = formatAddr(conn.remoteAddr);
    let connection: Connection;
    try {
      connection = await handshake(conn, this.#options);
    } catch (error) {
      this.#options.log.warn(`closed connection from ${remote}: ${errorMessage(error)}`);
      return;
    }
    this.#open.add(connection);
    try {
      await this.#options.onConnection(connection);
    } catch (error) {
      this.#options.log.warn(`closed connection from ${remote}: ${errorMessage(error)}`);
    } finally {
      this.#open.delete(connection);
    }
  }
}
