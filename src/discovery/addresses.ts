/**
 * What an address string is: IPv4 or IPv6, a wildcard ("every interface"),
 * loopback, or useless to other machines. The one place that looks at the
 * text of an address; the advertiser, the mDNS socket, the server and the
 * peer ask here.
 *
 * @module
 */

/** Parts of a dotted IPv4 address. */
const IPV4_PARTS = 4;

/** Largest value of one part of an IPv4 address. */
const IPV4_PART_MAX = 255;

/** Hosts that mean "every interface" when listening (empty: none given). */
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", ""]);

/** `host` without the brackets of a URL-style IPv6 host (`[::1]` -> `::1`). */
export function unbracket(host: string): string {
  return host.replace(/^\[|\]$/g, "");
}

/** Whether `text` is a dotted IPv4 address such as `10.0.0.1` (four parts, each 0 to 255). */
export function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === IPV4_PARTS &&
    parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= IPV4_PART_MAX);
}

/**
 * Whether `text` is an IPv6 address (`fd00::1`, `::ffff:1.2.3.4`, `fe80::1%eth0`),
 * without brackets.
 */
export function isIpv6(text: string): boolean {
  const bare = text.split("%")[0];
  if (!bare.includes(":") || !/^[0-9a-f:.]+$/i.test(bare)) return false;
  // The URL parser implements the full IPv6 grammar.
  return URL.canParse(`http://[${bare}]/`);
}

/** True when `host` means "every interface" (`0.0.0.0`, `::`, or nothing). */
export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(unbracket(host));
}

/** True when `host` is a loopback address or `localhost`, which no other machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = unbracket(host).toLowerCase();
  return bare.startsWith("127.") || bare === "::1" || bare === "localhost";
}

/**
 * True when other machines on the LAN cannot use `address`: loopback, or
 * IPv6 link-local (`fe80::/10`, which needs the sender's interface).
 */
export function isLocalOnly(address: string): boolean {
  return isLoopbackHost(address) || /^fe[89ab][0-9a-f]:/i.test(unbracket(address));
}

/**
 * The local IPv4 networks (`ip/prefix`) a peer listening on `host` serves
 * on: every non-loopback one for a wildcard host, else the one of `host`;
 * none when the system will not list its interfaces.
 */
export function localNetworks(
  host: string,
  interfaces: Deno.NetworkInterfaceInfo[] = systemInterfaces(),
): string[] {
  const networks = interfaces
    .filter((info) => info.family === "IPv4" && !isLoopbackHost(info.address))
    .filter((info) => isWildcardHost(host) || info.address === unbracket(host))
    .map((info) => info.cidr);
  return [...new Set(networks)];
}

/** The system's network interfaces; none when it will not list them (no permission, say). */
function systemInterfaces(): Deno.NetworkInterfaceInfo[] {
  try {
    return Deno.networkInterfaces();
  } catch {
    return [];
  }
}
