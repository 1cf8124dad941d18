/**
 * What a peer's link to its server tells the user: that it is connected
 * (and whether the server can dial it back), that it serves where no other
 * machine reaches it, or that no server answers and how to point at one.
 *
 * @module
 */

import { isLoopbackHost } from "../discovery/addresses.ts";
import { formatHostPort } from "../protocol/channel.ts";

/**
 * The error of a wait for a link that never registered with `server`
 * (`host:port`, comma-separated when `servers` > 1), down for `reason`.
 */
export function unreachableMessage(
  server: string,
  options: { reason: string; servers: number },
): string {
  return options.servers > 1
    ? `cannot reach any of the servers ${server} (${options.reason}); ` +
      `are they running? Set their addresses with --server HOST:PORT,HOST:PORT`
    : `cannot reach the server at ${server} (${options.reason}); ` +
      `is it running? Set its address with --server HOST:PORT`;
}

/**
 * The warning due when this peer serves chunks on the loopback `host` but
 * reaches its server from the address `via` on the network, so the server
 * sends other machines where nothing answers; undefined when there is none.
 */
export function loopbackWarning(
  listen: { host: string | undefined; port: number },
  via: string,
): string | undefined {
  const { host, port } = listen;
  if (!host || !isLoopbackHost(host) || isLoopbackHost(via)) return undefined;
  return `this peer serves chunks on ${formatHostPort(host, port)} only, which other machines ` +
    `cannot reach, though its server is on the network: others will not download from ` +
    `it; leave --addr out or give --addr 0.0.0.0:${port} to serve every interface`;
}

/** What registering with a server found, as {@linkcode connectedLine} reports it. */
export interface Registration {
  /** `host:port` of the server. */
  server: string;
  /** `host:port` the server sees this peer's chunk port at. */
  dialAddress: string;
  /** Whether the server could dial this peer back; undefined when it did not check. */
  reachable: boolean | undefined;
  /** What is said after the address: the files shared, the relay offered. */
  sharing: string;
}

/**
 * The log line of a registration: info, or a warning saying what to open
 * when the server could not dial this peer back.
 */
export function connectedLine(
  registration: Registration,
): { level: "warn" | "info"; text: string } {
  const { server, dialAddress, sharing } = registration;
  if (registration.reachable === false) {
    return {
      level: "warn",
      text: `connected to server ${server}${sharing}; not reachable from the server at ` +
        `${dialAddress}: others will need this peer to dial them (reversal); forward ` +
        `that port to this machine or open it in the firewall to be dialled directly`,
    };
  }
  return {
    level: "info",
    text: `connected to server ${server}; reachable at ${dialAddress}${sharing}`,
  };
}
