/**
 * A host behind a NAT router, for tests of reachability and reversal: one
 * host of a {@linkcode Lan} (the "public" segment) becomes a router, and a
 * new namespace sits behind it on a private segment of its own. The router
 * masquerades what leaves through its public interface (nftables) and
 * forwards inbound only what belongs to connections opened from inside, as
 * a home router does: the private host can dial anyone, nobody can dial it.
 *
 * Needs root, iproute2 and nftables (`apt-get install nftables`).
 *
 * @module
 */

import {
  addVeth,
  HOST_INTERFACE,
  ip,
  type Lan,
  type LanHost,
  NETNS_PREFIX,
} from "../../scripts/netns.ts";

/** Addresses of the private segment: `10.214.<subnet>.0/24`, the router at `.1`. */
const PRIVATE_NETWORK_PREFIX = "10.214";

/** The router's interface on the private segment. */
const ROUTER_PRIVATE_INTERFACE = "eth1";

/** The router's rules: masquerade outbound, forward inbound only what answers the inside. */
const RULESET = `
table ip p2pft_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${HOST_INTERFACE}" masquerade
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "${ROUTER_PRIVATE_INTERFACE}" oifname "${HOST_INTERFACE}" accept
  }
}
`;

/** A host behind NAT; dispose of it before the {@linkcode Lan} it hangs off. */
export interface NatHost extends AsyncDisposable {
  /** The host, also appended to `lan.hosts`, so `lan.exec(host.index, ...)` runs there. */
  host: LanHost;
  /** The router's address on the public segment: where others see the private host. */
  publicIp: string;
}

/** Whether `nft` can be run (nftables is installed). */
export function hasNftables(): boolean {
  for (const dir of ["/usr/sbin", "/sbin", "/usr/bin"]) {
    try {
      Deno.statSync(`${dir}/nft`);
      return true;
    } catch {
      // Not there; try the next folder.
    }
  }
  return false;
}

/**
 * Turns host `router` of `lan` into a NAT router and puts a new host behind
 * it, on `10.214.<subnet>.0/24`. Closing it deletes the private host's
 * namespace (its processes are stopped by `lan.close()`).
 */
export async function addNatHost(
  lan: Lan,
  options: { router: number; subnet?: number },
): Promise<NatHost> {
  const router = lan.hosts[options.router];
  const prefix = `${PRIVATE_NETWORK_PREFIX}.${options.subnet ?? 0}`;
  const ns = `${NETNS_PREFIX}${lan.id}-nat${options.router}`;
  const close = async () => {
    await ip(["netns", "delete", ns]).catch(() => undefined);
  };
  try {
    await ip(["netns", "add", ns]);
    await addVeth(router.ns, ROUTER_PRIVATE_INTERFACE, ns);
    await ip(["-n", router.ns, "addr", "add", `${prefix}.1/24`, "dev", "eth1"]);
    await ip(["-n", router.ns, "link", "set", ROUTER_PRIVATE_INTERFACE, "up"]);
    await ip(["netns", "exec", router.ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    const rules = await Deno.makeTempFile({ suffix: ".nft" });
    try {
      await Deno.writeTextFile(rules, RULESET);
      await ip(["netns", "exec", router.ns, "nft", "-f", rules]);
    } finally {
      await Deno.remove(rules);
    }
    await ip(["-n", ns, "link", "set", "lo", "up"]);
    await ip(["-n", ns, "addr", "add", `${prefix}.2/24`, "dev", HOST_INTERFACE]);
    await ip(["-n", ns, "link", "set", HOST_INTERFACE, "up"]);
    await ip(["-n", ns, "route", "add", "default", "via", `${prefix}.1`]);
  } catch (error) {
    await close();
    throw error;
  }
  const host: LanHost = { index: lan.hosts.length, ns, ip: `${prefix}.2`, iface: HOST_INTERFACE };
  lan.hosts.push(host);
  return { host, publicIp: router.ip, [Symbol.asyncDispose]: close };
}
