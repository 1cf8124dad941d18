/**
 * Two sides of a connection for protocol unit tests: handshake options,
 * plaintext links standing in for the secure channel (the handshake works
 * over any byte channel) and handshaken pairs.
 *
 * @module
 */

import type { Connection } from "./connection.ts";
import { handshake } from "./handshake.ts";
import { testCredentials } from "../test_credentials.ts";

/** The dialer's credentials. */
export const a = await testCredentials();
/** The listener's credentials. */
export const b = await testCredentials();

/** Handshake options of side `a` (the dialer) or `b`, on the test network. */
export function side(name: "a" | "b", options: { timeoutMs?: number } = {}) {
  const dialer = name === "a";
  return {
    role: dialer ? "peer" as const : "server" as const,
    accept: dialer ? ["server" as const] : ["peer" as const],
    dialer,
    identity: (dialer ? a : b).identity,
    networkKey: a.networkKey,
    ...options,
  };
}

/**
 * `conn` as the secure link it would be: the dialer (a) knows the listener's
 * ID from TLS; the listener (b) learns the dialer's in the handshake.
 */
export function link(conn: Deno.TcpConn, of: "a" | "b") {
  return { channel: conn, remoteId: of === "b" ? b.identity.id : undefined };
}

/** A connected pair of loopback TCP sockets. */
export async function socketPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await accepted;
  listener.close();
  return [client, server];
}

export async function connected(): Promise<[Connection, Connection]> {
  const [x, y] = await socketPair();
  return await Promise.all([
    handshake(link(x, "b"), side("a")),
    handshake(link(y, "a"), side("b")),
  ]);
}
