/**
 * Peers behind one NAT: the server sees both come from the same public IP,
 * and cannot dial them (no port is forwarded, and a home router does not
 * loop a connection to its own public address back inside). Each peer
 * tells the server its local networks when it registers (`localNetworks`,
 * as `10.0.0.5/24`); to a requester that comes from the same public IP and
 * sits on one of a source's local networks, the server gives that source's
 * local address instead, and no `reachable: false`: the two dial each other
 * directly on their segment, with no reversal and no relay.
 *
 * @module
 */

import { isIpv4 } from "../discovery/addresses.ts";

/** Where the server saw a peer come from, and the local networks it gave. */
export interface NatSide {
  /** The IP its connection to the server came from. */
  publicHost: string;
  /** Its local networks, as `ip/prefix`. */
  networks: string[];
}

/** Bits in an IPv4 address. */
const IPV4_BITS = 32;

/** `ip` as a 32-bit number. */
function ipv4Number(ip: string): number {
  return ip.split(".").reduce((value, part) => value * 256 + Number(part), 0);
}

/** The address and prefix of `network` (`10.0.0.5/24`); undefined when it is not IPv4 CIDR. */
export function parseNetwork(network: string): { ip: string; prefix: number } | undefined {
  const [ip, bits, ...rest] = network.split("/");
  const prefix = Number(bits);
  if (rest.length > 0 || !isIpv4(ip) || !/^\d{1,2}$/.test(bits) || prefix > IPV4_BITS) {
    return undefined;
  }
  return { ip, prefix };
}

/** Whether `a` and `b` share their first `prefix` bits. */
function sameNetwork(a: string, b: string, prefix: number): boolean {
  if (prefix === 0) return true;
  const shift = IPV4_BITS - prefix;
  return Math.floor(ipv4Number(a) / 2 ** shift) === Math.floor(ipv4Number(b) / 2 ** shift);
}

/**
 * The local IP at which a requester reaches a source directly, when both
 * came from the same public IP and the requester has an address on one of
 * the source's local networks (not the source's own); undefined otherwise.
 */
export function nearAddress(source: NatSide, requester: NatSide): string | undefined {
  if (source.publicHost !== requester.publicHost) return undefined;
  const theirs = requester.networks.flatMap((network) => parseNetwork(network)?.ip ?? []);
  for (const network of source.networks) {
    const local = parseNetwork(network);
    if (!local) continue;
    if (theirs.some((ip) => ip !== local.ip && sameNetwork(ip, local.ip, local.prefix))) {
      return local.ip;
    }
  }
  return undefined;
}
