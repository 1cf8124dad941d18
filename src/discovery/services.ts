/**
 * The two DNS-SD services of p2pft, on top of the generic advertiser and
 * browser: the central server (`_p2p-transfer._tcp`) and each peer
 * (`_p2pft-peer._tcp`, for serverless LAN mode).
 *
 * @module
 */

import { MS_PER_SECOND, PEER_SERVICE_TYPE } from "../constants.ts";
import { SERVER_SERVICE_TYPE } from "./constants.ts";
import type { HostPort } from "../protocol/channel.ts";
import { advertise, type Advertisement, defaultHostName } from "./advertiser.ts";
import { browse, pickServer } from "./browser.ts";
import type { ServiceInstance } from "./dns_sd.ts";
import { defaultTxt } from "./service_names.ts";
import type { DiscoveryLog } from "./mdns_socket.ts";

/** TXT key under which a peer advertises its peer ID. */
export const TXT_KEY_PEER_ID = "peerid";

/** How long a browse goes on after the first server answered, to hear the others. */
const SETTLE_MS = 1_000;

/** Advertises the central server listening on `listen`. */
export function advertiseServer(
  listen: HostPort,
  options: { log?: DiscoveryLog } = {},
): Promise<Advertisement> {
  const host = defaultHostName();
  return advertise({
    instanceName: `p2pft server on ${host}`,
    serviceType: SERVER_SERVICE_TYPE,
    port: listen.port,
    host,
    txt: defaultTxt(),
  }, { address: listen.host, log: options.log });
}

/** Advertises a peer serving chunks on `listen`. */
export function advertisePeer(
  listen: HostPort,
  options: { peerId: string; log?: DiscoveryLog },
): Promise<Advertisement> {
  const host = defaultHostName();
  return advertise({
    instanceName: `p2pft peer ${options.peerId.slice(0, 8)} on ${host}`,
    serviceType: PEER_SERVICE_TYPE,
    port: listen.port,
    host,
    txt: { ...defaultTxt(), [TXT_KEY_PEER_ID]: options.peerId },
  }, { address: listen.host, log: options.log });
}

/** The address to dial for a resolved instance: its first address (IPv4 first) and port. */
export function instanceAddress(instance: ServiceInstance): HostPort | undefined {
  const host = instance.addresses[0];
  return host === undefined ? undefined : { host, port: instance.port };
}

/** A server found on the LAN, and how many answered. */
export interface DiscoveredServer {
  /** Where to connect. */
  address: HostPort;
  instanceName: string;
  /** How many servers answered. */
  found: number;
}

/**
 * Browses for central servers for up to `timeoutMs` and picks one
 * deterministically (see `pickServer`). Throws a clear error when none
 * answers.
 */
export async function discoverServer(
  timeoutMs: number,
  options: { log?: DiscoveryLog } = {},
): Promise<DiscoveredServer> {
  const instances = await browse(SERVER_SERVICE_TYPE, {
    timeoutMs,
    settleMs: SETTLE_MS,
    log: options.log,
  });
  const chosen = pickServer(instances);
  const address = chosen && instanceAddress(chosen);
  if (!chosen || !address) {
    throw new Error(
      `no p2pft server answered on the LAN within ${timeoutMs / MS_PER_SECOND} s; ` +
        `start one with "p2pft server", or give its address with --server HOST:PORT`,
    );
  }
  return { address, instanceName: chosen.instanceName, found: instances.length };
}
