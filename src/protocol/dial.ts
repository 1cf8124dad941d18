/**
 * Dialling a p2pft listener: TCP, the secure channel, then the handshake, in
 * one call bounded in time. Both the link to the server and the links to
 * other peers start here.
 *
 * @module
 */

import { CONNECT_TIMEOUT_MS } from "../constants.ts";
import type { Identity } from "../security/identity.ts";
import type { HostPort } from "./channel.ts";
import type { Connection } from "./connection.ts";
import { handshake, type HandshakeOptions } from "./handshake.ts";
import { type ConnectTcp, dialSecure } from "./secure_channel.ts";
import { timeLeft } from "./timeouts.ts";

/** Who we are on the wire, and the network we belong to. */
export interface Credentials {
  /** Our key pair and certificate; our ID is derived from its public key. */
  identity: Identity;
  /** The network key; `undefined` on an open network. */
  networkKey: Uint8Array | undefined;
}

/** Options of {@linkcode dial}. */
export interface DialOptions extends Pick<HandshakeOptions, "role" | "accept" | "code"> {
  /** Our identity and network key. */
  credentials: Credentials;
  /** The ID the listener must prove; any other is refused. */
  expectId?: string;
  /** Time allowed for everything up to a usable connection; default `CONNECT_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Opens the TCP connection instead of connecting to the target (a relay). */
  connect?: ConnectTcp;
}

/**
 * Connects to `target`, runs the secure channel and the handshake, and
 * resolves to a connection whose `remoteId` the listener has proven.
 */
export async function dial(target: HostPort, options: DialOptions): Promise<Connection> {
  const { credentials } = options;
  const deadline = Date.now() + (options.timeoutMs ?? CONNECT_TIMEOUT_MS);
  const link = await dialSecure(target, {
    expectId: options.expectId,
    timeoutMs: timeLeft(deadline),
    connect: options.connect,
  });
  return await handshake(link, {
    role: options.role,
    accept: options.accept,
    dialer: true,
    identity: credentials.identity,
    networkKey: credentials.networkKey,
    code: options.code,
    timeoutMs: timeLeft(deadline),
  });
}
