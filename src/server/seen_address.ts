/**
 * Where the server tells a requester to reach another peer. A peer is
 * registered at the IP its connection came from, with the port it serves
 * chunks on: it cannot point others at an address of its choosing. A peer
 * on the server's own machine that connected over loopback, though, is
 * registered at a loopback address that no other machine can dial; to a
 * requester that came from elsewhere the server gives instead its own
 * address as that requester reached it (the same machine), with the
 * peer's port.
 *
 * @module
 */

import { isLoopbackHost } from "../discovery/addresses.ts";
import { formatHostPort, parseHostPort } from "../protocol/channel.ts";

/** The two ends of a requester's connection to the server, as IP addresses. */
export interface RequesterLink {
  /** The requester's IP, as the server sees it. */
  remoteHost: string;
  /** The server's IP that the requester connected to. */
  localHost: string;
}

/**
 * The address a requester on `link` is given for a peer registered at
 * `registered` (`host:port`): see the module documentation.
 */
export function addressFor(registered: string, link: RequesterLink): string {
  const { host, port } = parseHostPort(registered);
  if (!isLoopbackHost(host) || isLoopbackHost(link.remoteHost)) return registered;
  return formatHostPort(link.localHost, port);
}

/** The ends of a connection whose channel has these addresses, as {@linkcode addressFor} takes them. */
export function requesterLink(
  channel: { remoteAddr: Deno.Addr; localAddr: Deno.Addr },
): RequesterLink {
  return { remoteHost: hostOf(channel.remoteAddr), localHost: hostOf(channel.localAddr) };
}

/** `entries` with each address as the peer on `connection` is to dial it. */
export function seenBy<T extends { address: string }>(
  connection: { channel: { remoteAddr: Deno.Addr; localAddr: Deno.Addr } },
  entries: T[],
): T[] {
  const link = requesterLink(connection.channel);
  return entries.map((entry) => ({ ...entry, address: addressFor(entry.address, link) }));
}

function hostOf(addr: Deno.Addr): string {
  return "hostname" in addr ? addr.hostname : "";
}
