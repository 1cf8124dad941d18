/**
 * Hosts behind a NAT router, for tests of reachability and reversal: one
 * host of a {@linkcode Lan} (the "public" segment) becomes a router, and
 * new namespaces sit behind it on a private segment of their own (a bridge
 * on the router). The router
 * masquerades what leaves through its public interface (nftables) and
 * forwards inbound only what belongs to connections opened from inside, as
 * a home router does: the private hosts can dial anyone and each other,
 * nobody outside can dial them.
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

/** The router's bridge on the private segment. */
const ROUTER_PRIVATE_INTERFACE = "br1";

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
    iifname "${ROUTER_PRIVATE_INTERFACE}" oifname "${ROUTER_PRIVATE_INTERFACE}" accept
  }
}
`;

/** Hosts behind NAT; dispose of them before the {@linkcode Lan} they hang off. */
export interface NatHost extends AsyncDisposable {
  /** The first host, also appended to `lan.hosts`, so `lan.exec(host.index, ...)` runs there. */
  host: LanHost;
  /** Every host behind the router (the first is `host`), all appended to `lan.hosts`. */
  hosts: LanHost[];
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
 * Turns host `router` of `lan` into a NAT router and puts `count` new hosts
 * (default 1) behind it, on `10.214.<subnet>.0/24` from `.2` on. Closing it
 * deletes the private hosts' namespaces (their processes are stopped by
 * `lan.close()`).
 */
export async function addNatHost(
  lan: Lan,
  options: { router: number; subnet?: number; count?: number },
): Promise<NatHost> {
  const router = lan.hosts[options.router];
  const prefix = `${PRIVATE_NETWORK_PREFIX}.${options.subnet ?? 0}`;
  const names = Array.from(
    { length: options.count ?? 1 },
    (_, i) => `${NETNS_PREFIX}${lan.id}-nat${options.router}-${i}`,
  );
  const close = async () => {
    for (const ns of names) await ip(["netns", "delete", ns]).catch(() => undefined);
  };
  const hosts: LanHost[] = [];
  try {
    await ip(["-n", router.ns, "link", "add", ROUTER_PRIVATE_INTERFACE, "type", "bridge"]);
    await ip(["-n", router.ns, "addr", "add", `${prefix}.1/24`, "dev", ROUTER_PRIVATE_INTERFACE]);
    await ip(["-n", router.ns, "link", "set", ROUTER_PRIVATE_INTERFACE, "up"]);
    await ip(["netns", "exec", router.ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]);
    const rules = await Deno.makeTempFile({ suffix: ".nft" });
    try {
      await Deno.writeTextFile(rules, RULESET);
      await ip(["netns", "exec", router.ns, "nft", "-f", rules]);
    } finally {
      await Deno.remove(rules);
    }
    for (const [i, ns] of names.entries()) {
      const port = `pv${i}`;
      await ip(["netns", "add", ns]);
      await addVeth(router.ns, port, ns);
      await ip(["-n", router.ns, "link", "set", port, "master", ROUTER_PRIVATE_INTERFACE]);
      await ip(["-n", router.ns, "link", "set", port, "up"]);
      await ip(["-n", ns, "link", "set", "lo", "up"]);
      await ip(["-n", ns, "addr", "add", `${prefix}.${2 + i}/24`, "dev", HOST_INTERFACE]);
      await ip(["-n", ns, "link", "set", HOST_INTERFACE, "up"]);
      await ip(["-n", ns, "route", "add", "default", "via", `${prefix}.1`]);
      hosts.push({
        index: lan.hosts.length + i,
        ns,
        ip: `${prefix}.${2 + i}`,
        iface: HOST_INTERFACE,
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  lan.hosts.push(...hosts);
  return { host: hosts[0], hosts, publicIp: router.ip, [Symbol.asyncDispose]: close };
}
