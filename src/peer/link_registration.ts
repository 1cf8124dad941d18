/**
 * The registration step of a peer's link to its server: what the peer
 * registers with (its chunk port, its relay port when it offers to relay,
 * the local networks it serves), what the server answers (where others
 * reach it, whether it could dial it back, whether it took the relay
 * offer), and the sharing of everything it holds afterwards.
 *
 * @module
 */

import { MAX_CONTROL_FRAME_BYTES, MAX_LOCAL_NETWORKS, REQUEST_TIMEOUT_MS } from "../constants.ts";
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

/** Room kept in a `share` frame for what surrounds its files (type, request ID, brackets). */
const SHARE_ENVELOPE_BYTES = 1024;

/**
 * Shares `shares` (everything the peer holds) on a registered `connection`,
 * in as few `share` requests as fit in a control frame each (`maxBytes`, for
 * tests): what a peer may share (`MAX_MANIFEST_BYTES_PER_PEER`) is more than
 * one frame holds. A server that keeps only what fits under its per-peer
 * caps is warned about on `log`, not failed, and sent no more: reconnecting
 * would only be refused again.
 */
export async function shareAll(
  connection: Pick<Connection, "request">,
  options: { shares: SharedFileEntry[]; log: Logger; maxBytes?: number },
): Promise<void> {
  const { shares, log } = options;
  const maxBytes = options.maxBytes ?? MAX_CONTROL_FRAME_BYTES - SHARE_ENVELOPE_BYTES;
  for (const files of shareBatches(shares, maxBytes)) {
    const refused = await withTimeout(connection.request({ t: "share", files }), {
      ms: REQUEST_TIMEOUT_MS,
      what: "sharing",
    }).then(() => false, (error) => {
      if (!(error instanceof RemoteError && error.code === "over-limit")) throw error;
      log.warn(`the server did not index every shared file: ${error.message}`);
      return true;
    });
    if (refused) return;
  }
}

/** `shares` in order, cut into runs whose JSON takes at most `maxBytes` each (one at least). */
function shareBatches(shares: SharedFileEntry[], maxBytes: number): SharedFileEntry[][] {
  const encoder = new TextEncoder();
  const batches: SharedFileEntry[][] = [];
  let batch: SharedFileEntry[] = [];
  let bytes = 0;
  for (const entry of shares) {
    const size = encoder.encode(JSON.stringify(entry)).length + 1;
    if (batch.length > 0 && bytes + size > maxBytes) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
