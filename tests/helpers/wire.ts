/**
 * Raw connections to p2pft processes for the fault tests: a secure
 * connection that has shaken hands as a peer of the test network, and a
 * bounded wait for what the other side does with it.
 *
 * @module
 */

import type { Connection } from "../../src/protocol/connection.ts";
import { dial } from "../../src/protocol/dial.ts";
import { raceTimer } from "../../src/protocol/timeouts.ts";
import { testCredentials } from "../../src/test_credentials.ts";

/** Time the other side has to close a connection it must refuse. */
export const CLOSE_WITHIN_MS = 8_000;

/** The role the port at `address` is expected to answer with. */
export type Role = "server" | "peer";

/** The port of a `host:port` address. */
export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(":") + 1));
}

/** Opens a secure connection to `address` and shakes hands as a peer on the test network. */
export async function dialAsPeer(address: string, accept: Role): Promise<Connection> {
  return await dial({ host: "127.0.0.1", port: portOf(address) }, {
    role: "peer",
    accept: [accept],
    credentials: await testCredentials(),
  });
}

/** Resolves like `promise`, or rejects if it takes longer than `options.ms`. */
export function within<T>(promise: Promise<T>, options: { ms: number; what: string }): Promise<T> {
  return raceTimer(
    promise,
    options.ms,
    () => new Error(`no ${options.what} within ${options.ms} ms`),
  );
}
