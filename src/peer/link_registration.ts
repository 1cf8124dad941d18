/**
 * The registration step of a peer's link to its server: what the peer
 * registers with (its chunk port, its relay port when it offers to relay,
 * the local networks it serves), what the server answers (where others
 * reach it, whether it could dial it back, whether it took the relay
 * offer), and the sharing of everything it holds afterwards.
 *
 * @module
 */

import { MAX_LOCAL_NETWORKS, REQUEST_TIMEOUT_MS } from "../constants.ts";
import { localNetworks } from "../discovery/addresses.ts";
import type { Logger } from "../log.ts";
import { type Connection, RemoteError } from "../protocol/connection.ts";
import type { SharedFileEntry } from "../protocol/messages.ts";
import { withTimeout } from "../protocol/timeouts.ts";

/** What a peer registers with. */
export interface RegisterPorts {
  /** Port this peer serves chunks on. */
  listenPort: number;
  /** Port this peer relays on, when it offers to relay. */
  relayPort?: number;
  /** Interface this peer serves chunks on; its networks are the ones given. */
  listenHost?: string;
}

/** What the server said of a peer that registered. */
export interface RegistrationReply {
  /** The address the server says others reach the peer at. */
  dialAddress: string;
  /** Whether the server could dial the peer's chunk port back; undefined when it did not say. */
  reachable: boolean | undefined;
  /** Whether the server took the peer's offer to relay; undefined when it did not say. */
  relaying: boolean | undefined;
}

/**
 * The `register` message of a peer serving as `ports` says, with the local
 * networks it serves (at most `MAX_LOCAL_NETWORKS`; `interfaces` for tests).
 */
export function registerMessage(
  ports: RegisterPorts,
  interfaces?: Deno.NetworkInterfaceInfo[],
): Record<string, unknown> {
  return {
    t: "register",
    listenPort: ports.listenPort,
    ...(ports.relayPort ? { relayPort: ports.relayPort } : {}),
    localNetworks: localNetworks(ports.listenHost ?? "", interfaces).slice(0, MAX_LOCAL_NETWORKS),
  };
}

/** What the server's `reply` to a registration says; a field of the wrong type counts as unsaid. */
export function parseRegistration(reply: Record<string, unknown>): RegistrationReply {
  return {
    dialAddress: String(reply.address),
    reachable: typeof reply.reachable === "boolean" ? reply.reachable : undefined,
    relaying: typeof reply.relaying === "boolean" ? reply.relaying : undefined,
  };
}

/**
 * Shares `shares` (everything the peer holds) on a registered `connection`.
 * A server that keeps only what fits under its per-peer caps is warned
 * about on `log`, not failed: reconnecting would only be refused again.
 */
export async function shareAll(
  connection: Pick<Connection, "request">,
  options: { shares: SharedFileEntry[]; log: Logger },
): Promise<void> {
  const { shares, log } = options;
  if (shares.length === 0) return;
  await withTimeout(connection.request({ t: "share", files: shares }), {
    ms: REQUEST_TIMEOUT_MS,
    what: "sharing",
  }).catch((error) => {
    if (!(error instanceof RemoteError && error.code === "over-limit")) throw error;
    log.warn(`the server did not index every shared file: ${error.message}`);
  });
}
