/**
 * Accepting connections: listen, handshake each newcomer, hand it to a
 * handler, log why it ended, and close everything on shutdown. Shared by
 * the central server and a peer's chunk server.
 *
 * @module
 */

import net from "node:net";
import { HANDSHAKE_TIMEOUT_MS } from "../constants.ts";
import { errorMessage, type Logger } from "../log.ts";
import { formatHostPort, type HostPort } from "./channel.ts";
import type { Connection } from "./connection.ts";
import { handshake, type HandshakeOptions } from "./handshake.ts";
import { plainHost } from "./socket_channel.ts";
import {
  acceptSecure,
  type ListenerCredentials,
  listenerCredentials,
  refuseSecure,
} from "./secure_channel.ts";
import {
  Admissions,
  type ConnectionLimits,
  processLimits,
  RefusalLog,
  refusalReason,
} from "./admission.ts";
import type { Credentials } from "./dial.ts";
import { timeLeft } from "./timeouts.ts";

/** A listening TCP server, ready for an {@linkcode Acceptor}. */
export interface Listener {
  /** The node server. */
  server: net.Server;
  /** Where it really listens (port 0 resolved). */
  addr: Deno.NetAddr;
}

/** Listens on `address`; an address in use becomes an error that says what to do. */
export function listenTcp(address: HostPort, flag: string): Promise<Listener> {
  const server = net.createServer({ pauseOnConnect: true });
  return new Promise((resolve, reject) => {
    server.once("error", (error: Error & { code?: string }) => {
      const where = formatHostPort(address.host, address.port);
      if (error.code === "EADDRINUSE") {
        reject(
          new Error(
            `port ${address.port} (${where}) is already in use: stop the other process, or ` +
              `pick another port with ${flag} ${formatHostPort(address.host, 0)} ` +
              `(any free port) or another number`,
          ),
        );
      } else {
        reject(new Error(`cannot listen on ${where}: ${errorMessage(error)}`));
      }
    });
    server.listen({ host: address.host, port: address.port }, () => {
      const bound = server.address() as net.AddressInfo;
      resolve({ server, addr: { transport: "tcp", hostname: bound.address, port: bound.port } });
    });
  });
}

/** Options of {@linkcode Acceptor}. */
export interface AcceptorOptions extends Pick<HandshakeOptions, "role" | "accept" | "guests"> {
  /** Our identity and the network key. */
  credentials: Credentials;
  /** Where log lines go. */
  log: Logger;
  /** Runs one handshaken connection until it ends; a rejection is logged as the reason. */
  onConnection: (connection: Connection) => Promise<void>;
  /**
   * Connections held at once, in all and from one address; default: the
   * descriptor limit less a reserve, and `MAX_CONNECTIONS_PER_ADDRESS` (see admission.ts).
   */
  limits?: Partial<ConnectionLimits>;
  /**
   * Bytes read from a connection ahead of its handler at most; default
   * enough to stream chunks. A server that only takes requests keeps it small.
   */
  readAheadBytes?: number;
  /**
   * Time a newcomer has for its whole set-up (preamble, TLS, hello and
   * proofs); default `HANDSHAKE_TIMEOUT_MS`.
   */
  handshakeMs?: number;
}

/**
 * Accepts and serves connections on a listener until closed. Every newcomer
 * must finish the secure handshake (preamble, TLS, hello, network-key proof)
 * within the handshake time; connections past its limits (in all, from one
 * address) are told so and closed, or past a few such refusals at once
 * closed without a word (see admission.ts). Refusals are logged as
 * `RefusalLog` says: once per reason and address a minute, with a count.
 */
export class Acceptor {
  /** `host:port` it listens on. */
  readonly address: string;
  /** The listening address. */
  readonly addr: Deno.NetAddr;
  #server: net.Server;
  #options: AcceptorOptions;
  #listener: ListenerCredentials;
  #open = new Set<Connection>();
  #refusals: RefusalLog;
  #limits: ConnectionLimits;
  #admissions: Admissions<net.Socket>;

  /** Starts accepting on `listener`. */
  constructor(listener: Listener, options: AcceptorOptions) {
    this.#server = listener.server;
    this.#options = options;
    this.#listener = listenerCredentials(options.credentials.identity);
    this.#limits = { ...processLimits(), ...options.limits };
    this.#admissions = new Admissions(this.#limits);
    this.#refusals = new RefusalLog(options.log);
    this.addr = listener.addr;
    this.address = formatHostPort(listener.addr.hostname, listener.addr.port);
    this.#server.on("connection", (socket: net.Socket) => this.#admit(socket));
  }

  /** Listens on `address` (the option `--addr` sets it) and accepts there as `options` say. */
  static async open(address: HostPort, options: AcceptorOptions): Promise<Acceptor> {
    return new Acceptor(await listenTcp(address, "--addr"), options);
  }

  /** The limits it holds to. */
  get limits(): ConnectionLimits {
    return this.#limits;
  }

  /** Connections currently open (past the handshake). */
  get connections(): number {
    return this.#open.size;
  }

  /** Stops accepting and closes every connection with `reason`. */
  async close(reason: string): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const connection of this.#open) connection.close(reason);
    const { served, refusing } = this.#admissions;
    for (const socket of [...served, ...refusing]) socket.destroy();
    await closed;
  }

  /**
   * Serves `socket`, a connection this side opened (to a relay, which joins
   * it to a peer that dials us), as if that peer had dialled in: the same
   * secure handshake, then the same handler.
   */
  adopt(socket: net.Socket): void {
    this.#admissions.adopt(socket);
    socket.on("error", () => {});
    this.#serve(socket, plainHost(socket.remoteAddress ?? "?")).catch((error) =>
      this.#options.log.error(`connection: ${errorMessage(error)}`)
    );
  }

  #admit(socket: net.Socket): void {
    const host = plainHost(socket.remoteAddress ?? "?");
    const { admission, addressFull } = this.#admissions.admit(socket, host);
    if (admission !== "serve") {
      const reason = refusalReason(this.#limits, addressFull);
      this.#refusals.refused(host, reason, "limit");
      if (admission === "drop") {
        socket.destroy();
        return;
      }
      socket.on("error", () => {});
      this.#admissions.refuse(socket, refuseSecure(socket, reason));
      return;
    }
    socket.on("error", () => {});
    this.#serve(socket, host).catch((error) =>
      this.#options.log.error(`connection: ${errorMessage(error)}`)
    );
  }

  async #serve(socket: net.Socket, host: string): Promise<void> {
    const { credentials } = this.#options;
    let connection: Connection;
    const deadline = Date.now() + (this.#options.handshakeMs ?? HANDSHAKE_TIMEOUT_MS);
    try {
      const link = await acceptSecure(socket, {
        credentials: this.#listener,
        role: this.#options.role,
        readAheadBytes: this.#options.readAheadBytes,
        timeoutMs: timeLeft(deadline),
      });
      connection = await handshake(link, {
        ...this.#options,
        dialer: false,
        identity: credentials.identity,
        networkKey: credentials.networkKey,
        timeoutMs: timeLeft(deadline),
      });
    } catch (error) {
      socket.destroy();
      this.#refusals.refused(
        host,
        errorMessage(error),
        error instanceof Error ? error.name : "Error",
      );
      return;
    }
    this.#open.add(connection);
    try {
      await this.#options.onConnection(connection);
    } catch (error) {
      this.#options.log.warn(`closed connection from ${connection.remote}: ${errorMessage(error)}`);
    } finally {
      this.#open.delete(connection);
    }
  }
}
