/**
 * Advertises one service instance with DNS-SD over mDNS (RFC 6762, RFC 6763):
 * probes its names, renames on conflict ("name (2)", host "host-2"),
 * announces twice, answers queries, defends its names, and says goodbye
 * (TTL 0) when closed.
 *
 * @example Advertise a server until aborted
 * ```ts
 * import { advertise } from "./advertiser.ts";
 * import { SERVER_SERVICE_TYPE } from "./constants.ts";
 * const ad = await advertise({
 *   instanceName: "p2pft server on alpha",
 *   serviceType: SERVER_SERVICE_TYPE,
 *   port: 8000,
 *   host: "alpha",
 * });
 * console.log(`advertised as ${ad.instanceName}`);
 * await ad.close();
 * ```
 *
 * @module
 */

import { errorMessage } from "../log.ts";
import { isIpv4, isIpv6, isLocalOnly, isWildcardHost, unbracket } from "./addresses.ts";
import { buildServiceRecords, type ServiceDescription } from "./dns_sd.ts";
import { type DiscoveryLog, openMdnsSocket } from "./mdns_socket.ts";
import { type ClaimedNames, Prober } from "./prober.ts";
import { Responder } from "./responder.ts";
import { normalizeServiceType, sanitizeHostName, sanitizeInstanceName } from "./service_names.ts";

/** Options of {@linkcode advertise}. */
export interface AdvertiseOptions {
  /**
   * The one address to advertise, when the service is bound to a single
   * address. Unset, `0.0.0.0` or `::`: every non-loopback, non-link-local
   * address of the machine (or of `interface`). An IPv4 address here also
   * selects the interface mDNS uses, unless `interface` is given.
   */
  address?: string;
  /** Interface (name or IPv4 address) to use for mDNS; default all. */
  interface?: string;
  /** Closes the advertisement (with goodbye) when aborted. */
  signal?: AbortSignal;
  /** Where log lines go. */
  log?: DiscoveryLog;
  /** Called when a conflict found after start-up made the advertiser rename itself. */
  onRename?: (instanceName: string) => void;
}

/** A running advertisement. */
export interface Advertisement extends AsyncDisposable {
  /** The instance name in use (may differ from the one asked for after a conflict). */
  readonly instanceName: string;
  /** The host label in use (may differ from the one asked for after a conflict). */
  readonly host: string;
  /** The service type, with `.local`. */
  readonly serviceType: string;
  /** The addresses advertised in A/AAAA records. */
  readonly addresses: string[];
  /** Sends goodbye packets (TTL 0) and closes the socket. Idempotent. */
  close(): Promise<void>;
}

/**
 * The addresses to put in A/AAAA records: `address` alone if given (and not a
 * wildcard), else every non-loopback, non-link-local address of the machine
 * or of `interface` (by name or address). Throws when there is none.
 */
export function advertisedAddresses(
  options: { address?: string; interface?: string } = {},
): string[] {
  const address = options.address === undefined ? undefined : unbracket(options.address);
  if (address !== undefined && !isWildcardHost(address)) {
    if (!isIpv4(address) && !isIpv6(address)) {
      throw new Error(
        `cannot advertise "${address}": give the IP address the service is bound to, or 0.0.0.0`,
      );
    }
    return [address];
  }
  const interfaces = Deno.networkInterfaces();
  // The interface may be given by name or by one of its addresses.
  const name = interfaces.find((i) => i.address === options.interface)?.name ?? options.interface;
  const all = interfaces
    .filter((i) => name === undefined || i.name === name)
    .filter((i) => !isLocalOnly(i.address))
    .sort((a, b) => (a.family === b.family ? 0 : a.family === "IPv4" ? -1 : 1))
    .map((i) => i.address);
  const unique = [...new Set(all)];
  if (unique.length === 0) {
    throw new Error(
      "no network address to advertise" +
        (options.interface ? ` on interface "${options.interface}"` : "") +
        ": connect to a network, or pass the address the service is bound to",
    );
  }
  return unique;
}

/** The machine's host name as an mDNS host label (e.g. `alpha` for `alpha.example.com`). */
export function defaultHostName(): string {
  return sanitizeHostName(Deno.hostname());
}

/**
 * Advertises `service` on the local network and resolves once its names are
 * probed (renamed if taken) and the first announcement is sent. The service
 * type gets `.local` if it lacks it; the instance name is cut to one label
 * (dots become `-`); the host is a label to which `.local` is added.
 *
 * While it runs, a response from another host with other data for its names
 * makes it probe again (RFC 6762 §9), renaming if it loses, and announce
 * the new names after withdrawing the old ones.
 *
 * Throws if the mDNS socket cannot be opened, there is no address to
 * advertise, or no free name was found after many renames.
 */
export async function advertise(
  service: ServiceDescription,
  options: AdvertiseOptions = {},
): Promise<Advertisement> {
  const log: DiscoveryLog = options.log ?? (() => {});
  const signal = options.signal;
  signal?.throwIfAborted();
  const serviceType = normalizeServiceType(service.serviceType);
  const addresses = advertisedAddresses(options);
  // A service bound to one IPv4 address speaks mDNS on that address's interface.
  const bound = options.address;
  const mdnsInterface = options.interface ??
    (bound !== undefined && isIpv4(bound) && !isWildcardHost(bound) ? bound : undefined);
  if (addresses.every(isLocalOnly)) {
    log(
      "warn",
      `advertising only ${addresses.join(", ")}, which other machines cannot reach: ` +
        "bind the service to a LAN address or to 0.0.0.0 to be found",
    );
  }

  let names: ClaimedNames = {
    instanceName: sanitizeInstanceName(service.instanceName),
    host: sanitizeHostName(service.host),
  };
  let phase: "probing" | "announced" | "closed" = "probing";
  let reprobing = false;
  const closeController = new AbortController();
  const socket = await openMdnsSocket({ interface: mdnsInterface, log });
  const prober = new Prober(socket, {
    build: (claimed) => buildServiceRecords({ ...service, serviceType, ...claimed }, { addresses }),
    signal: signal ? AbortSignal.any([signal, closeController.signal]) : closeController.signal,
    log,
  });
  const responder = new Responder(socket, { onConflict: reprobe });

  socket.onMessage((message, from) => {
    if (phase === "probing") prober.hear(message);
    else if (phase === "announced") responder.hear(message, from);
  });

  /** Probes for the current names (renaming them if taken) and announces what it won. */
  async function claim(): Promise<void> {
    phase = "probing";
    responder.pause();
    const won = await prober.claim(names);
    if (closeController.signal.aborted) return;
    names = won.names;
    phase = "announced";
    responder.announce(won.records);
  }

  /** Probes again after another host claimed our names while announced (RFC 6762 §9). */
  function reprobe(): void {
    if (reprobing) return;
    reprobing = true;
    const before = names.instanceName;
    log(
      "warn",
      `another host claims "${names.instanceName}" or "${names.host}.local"; probing again`,
    );
    claim().then(() => {
      reprobing = false;
      if (phase !== "closed" && names.instanceName !== before) {
        options.onRename?.(names.instanceName);
      }
    }, (error) => {
      reprobing = false;
      if (phase !== "closed") {
        log("error", `could not keep the DNS-SD name: ${errorMessage(error)}`);
      }
    });
  }

  async function close(): Promise<void> {
    if (phase === "closed") return;
    phase = "closed";
    closeController.abort();
    if (await responder.stop()) log("info", `said goodbye for "${names.instanceName}"`);
    await socket.close();
  }

  try {
    await claim();
  } catch (error) {
    await close();
    throw error;
  }
  log(
    "info",
    `advertising "${names.instanceName}" (${serviceType}) at ${names.host}.local:${service.port} ` +
      `(${addresses.join(", ")})`,
  );
  signal?.addEventListener("abort", () => void close(), { once: true });

  return {
    get instanceName() {
      return names.instanceName;
    },
    get host() {
      return names.host;
    },
    serviceType,
    addresses,
    close,
    [Symbol.asyncDispose]: close,
  };
}
