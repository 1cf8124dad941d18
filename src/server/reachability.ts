/**
 * The server's dial-back to a registering peer: a real connection to the
 * chunk port the peer announced, at the IP its connection came from, opened
 * exactly as another peer would open it (hello role `peer`, so that every
 * chunk port takes it, older ones too). The server proves the network key
 * like any member, and the listener must prove the registering peer's ID;
 * the server then says `bye`. Success means others can dial the peer;
 * failure means it sits behind NAT or a firewall, and others will need it
 * to dial them (reversal).
 *
 * @module
 */

import { REACHABILITY_PROBE_TIMEOUT_MS } from "./constants.ts";
import type { HostPort } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import { type Credentials, dial, type DialOptions } from "../protocol/dial.ts";

/** Options of {@linkcode probeReachable}. */
export interface ProbeOptions {
  /** The server's identity and the network key. */
  credentials: Credentials;
  /** The ID the peer proved to the server: the listener must prove the same. */
  peerId: string;
  /** Time allowed for the whole dial; default {@linkcode REACHABILITY_PROBE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Dials; the real {@linkcode dial} unless a test replaces it. */
  dialer?: (target: HostPort, options: DialOptions) => Promise<Connection>;
}

/** True when the peer proving `options.peerId` answers at `target` within the time allowed. */
export async function probeReachable(target: HostPort, options: ProbeOptions): Promise<boolean> {
  const dialer = options.dialer ?? dial;
  try {
    const connection = await dialer(target, {
      role: "peer",
      accept: ["peer"],
      credentials: options.credentials,
      expectId: options.peerId,
      timeoutMs: options.timeoutMs ?? REACHABILITY_PROBE_TIMEOUT_MS,
    });
    await connection.send({ t: "bye" }).catch(() => {});
    connection.close("reachability checked");
    return true;
  } catch {
    return false;
  }
}

/** What the server's log adds to a registration about its dial-back (none when it succeeded). */
export function reachabilityNote(reachable: boolean | undefined): string {
  if (reachable === undefined) return " (not checked: too many dial-backs at once)";
  return reachable ? "" : " (not reachable from here)";
}
