/**
 * Advertises one service instance with DNS-SD over mDNS (RFC 6762, RFC 6763):
 * probes its names, renames on conflict ("name (2)", host "host-2"),
 * announces twice, answers queries, defends its names, and says goodbye
 * (TTL 0) when closed.
 *
 * @example Advertise a server until aborted
 * ```ts
 * import { advertise } from "./advertiser.ts";
 * import { SERVER_SERVICE_TYPE } from "../constants.ts";
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

import {
  ANNOUNCE_COUNT,
  ANNOUNCE_INTERVAL_MS,
  LEGACY_UNICAST_MAX_TTL_S,
  MAX_RENAME_ATTEMPTS,
  MDNS_PORT,
  PROBE_COUNT,
  PROBE_INTERVAL_MS,
  PROBE_MAX_INITIAL_DELAY_MS,
  PROBE_RATE_LIMIT_CONFLICTS,
  PROBE_RATE_LIMIT_DELAY_MS,
  PROBE_TIEBREAK_DELAY_MS,
  RESPONSE_MAX_DELAY_MS,
  RESPONSE_MIN_DELAY_MS,
} from "./constants.ts";
import {
  allRecords,
  answerQuery,
  buildServiceRecords,
  canonicalName,
  compareProbeRecords,
  type DnsMessage,
  type DnsRecord,
  findConflicts,
  nextInstanceName,
  normalizeServiceType,
  sameRecord,
  sanitizeHostName,
  sanitizeInstanceName,
  type ServiceDescription,
  type ServiceRecordSet,
} from "./dns_sd.ts";
import {
  type DiscoveryLog,
  type MdnsRemote,
  type MdnsSocket,
  openMdnsSocket,
} from "./mdns_socket.ts";

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

/** Outcome of one round of probes. */
type ProbeOutcome = "unique" | "instance-conflict" | "host-conflict" | "lost-tiebreak";

/** Whether an address is a wildcard ("all addresses"). */
function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::" || address === "";
}

/** Whether an address is loopback or IPv6 link-local (useless to other hosts). */
function isLocalOnly(address: string): boolean {
  const lower = address.toLowerCase();
  return lower.startsWith("127.") || lower === "::1" || /^fe[89ab][0-9a-f]:/.test(lower);
}

/**
 * The addresses to put in A/AAAA records: `address` alone if given (and not a
 * wildcard), else every non-loopback, non-link-local address of the machine
 * or of `interface` (by name or address). Throws when there is none.
 */
export function advertisedAddresses(
  options: { address?: string; interface?: string } = {},
): string[] {
  const address = options.address?.replace(/^\[|\]$/g, "");
  if (address !== undefined && !isWildcard(address)) return [address];
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
      "No network address to advertise" +
        (options.interface ? ` on interface "${options.interface}"` : "") +
        ": connect to a network, or pass the address the service is bound to.",
    );
  }
  return unique;
}

/** The machine's host name as an mDNS host label (e.g. `alpha` for `alpha.example.com`). */
export function defaultHostName(): string {
  return sanitizeHostName(Deno.hostname());
}

/** `host` -> `host-2` -> `host-3` (host names take a dash, not a space, after a conflict). */
export function nextHostName(host: string): string {
  const match = /^(.*)-(\d+)$/.exec(host);
  return match ? `${match[1]}-${Number(match[2]) + 1}` : `${host}-2`;
}

/** A random integer in [min, max]. */
function randomBetween(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** Waits `ms` milliseconds; rejects with the signal's reason if it is aborted first. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Our records grouped by owner name (instance name, host name), for the probe tiebreak. */
function recordsByName(records: DnsRecord[]): Map<string, DnsRecord[]> {
  const map = new Map<string, DnsRecord[]>();
  for (const record of records) {
    const key = canonicalName(record.name);
    map.set(key, [...(map.get(key) ?? []), record]);
  }
  return map;
}

/** Caps TTLs and clears the cache-flush bit, for a legacy unicast reply (RFC 6762 §6.7). */
function forLegacyUnicast(records: DnsRecord[]): DnsRecord[] {
  return records.map((r) => ({
    ...r,
    ttl: Math.min(r.ttl, LEGACY_UNICAST_MAX_TTL_S),
    flush: false,
  }));
}

/**
 * Advertises `service` on the local network and resolves once its names are
 * probed (renamed if taken) and the first announcement is sent. The service
 * type gets `.local` if it lacks it; the instance name is cut to one label
 * (dots become `-`); the host is a label to which `.local` is added.
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
  const mdnsInterface = options.interface ??
    (options.address !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(options.address) &&
        !isWildcard(options.address)
      ? options.address
      : undefined);
  if (addresses.every(isLocalOnly)) {
    log(
      "warn",
      `Advertising only ${addresses.join(", ")}, which other machines cannot reach: ` +
        "bind the service to a LAN address or to 0.0.0.0 to be found.",
    );
  }

  let instanceName = sanitizeInstanceName(service.instanceName);
  let host = sanitizeHostName(service.host);
  const build = (goodbye = false): ServiceRecordSet =>
    buildServiceRecords(
      { ...service, serviceType, instanceName, host },
      { addresses, goodbye },
    );
  let records = build();
  let phase: "probing" | "announced" | "closed" = "probing";
  let probeState: { outcome: ProbeOutcome | undefined } = { outcome: undefined };
  let reprobing = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const closeController = new AbortController();
  const stopSignal = signal
    ? AbortSignal.any([signal, closeController.signal])
    : closeController.signal;

  const socket: MdnsSocket = await openMdnsSocket({ interface: mdnsInterface, log });

  /** Records we probe for: SRV and TXT of the instance, addresses of the host. */
  const probedRecords = () => [records.srv, records.txt, ...records.addresses];

  function later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  }

  function onProbeMessage(message: DnsMessage): void {
    const ours = probedRecords();
    if (message.type === "response") {
      const conflicts = findConflicts(message, ours).filter((r) => r.ttl > 0);
      if (conflicts.length === 0) return;
      const instanceHit = conflicts.some((r) =>
        canonicalName(r.name) === canonicalName(records.srv.name)
      );
      probeState.outcome = instanceHit ? "instance-conflict" : "host-conflict";
      return;
    }
    if (message.authorities.length === 0) return;
    // A simultaneous probe from another host (RFC 6762 §8.2).
    const theirs = recordsByName(message.authorities);
    for (const [name, own] of recordsByName(ours)) {
      const other = theirs.get(name);
      if (other && compareProbeRecords(own, other) < 0) probeState.outcome = "lost-tiebreak";
    }
  }

  async function probeOnce(): Promise<ProbeOutcome> {
    probeState = { outcome: undefined };
    const state = probeState;
    await delay(randomBetween(0, PROBE_MAX_INITIAL_DELAY_MS), stopSignal);
    for (let i = 0; i < PROBE_COUNT && state.outcome === undefined; i++) {
      const fullName = records.srv.name;
      await socket.send({
        type: "query",
        questions: [
          { name: fullName, type: "ANY" },
          { name: records.srv.data.target, type: "ANY" },
        ],
        authorities: probedRecords(),
      });
      await delay(PROBE_INTERVAL_MS, stopSignal);
    }
    return state.outcome ?? "unique";
  }

  /** Probes until both names are unique, renaming on conflicts. */
  async function probe(): Promise<void> {
    phase = "probing";
    let conflicts = 0;
    for (let attempt = 0;;) {
      const outcome = await probeOnce();
      if (outcome === "unique") return;
      if (outcome === "lost-tiebreak") {
        log("debug", `Another host probes for "${instanceName}" at the same time; probing again.`);
        await delay(PROBE_TIEBREAK_DELAY_MS, stopSignal);
        continue;
      }
      attempt++;
      conflicts++;
      if (attempt > MAX_RENAME_ATTEMPTS) {
        throw new Error(
          `No free DNS-SD name found after ${MAX_RENAME_ATTEMPTS} renames of ` +
            `"${service.instanceName}": choose another instance name.`,
        );
      }
      if (outcome === "instance-conflict") {
        const next = nextInstanceName(instanceName);
        log("info", `The name "${instanceName}" is taken on this network; using "${next}".`);
        instanceName = next;
      } else {
        const next = nextHostName(host);
        log(
          "info",
          `The host name "${host}.local" is taken on this network; using "${next}.local".`,
        );
        host = next;
      }
      records = build();
      if (conflicts >= PROBE_RATE_LIMIT_CONFLICTS) {
        await delay(PROBE_RATE_LIMIT_DELAY_MS, stopSignal);
      }
    }
  }

  function announce(): void {
    const set = records;
    const send = (left: number) => {
      if (phase !== "announced" || records !== set) return;
      void socket.send({ type: "response", answers: allRecords(set) });
      if (left > 1) later(ANNOUNCE_INTERVAL_MS, () => send(left - 1));
    };
    send(ANNOUNCE_COUNT);
  }

  /** Re-probes after a conflict seen while announced (RFC 6762 §9). */
  function reprobe(): void {
    if (reprobing) return;
    reprobing = true;
    const before = instanceName;
    const oldRecords = allRecords(records);
    log("warn", `Another host claims "${instanceName}" or "${host}.local"; probing again.`);
    probe().then(() => {
      reprobing = false;
      if (phase === "closed") return;
      phase = "announced";
      // Withdraw what the rename made stale, then announce the new records.
      const current = allRecords(records);
      const stale = oldRecords.filter((old) => !current.some((r) => sameRecord(r, old)));
      if (stale.length > 0) {
        void socket.send({ type: "response", answers: stale.map((r) => ({ ...r, ttl: 0 })) });
      }
      announce();
      if (instanceName !== before) options.onRename?.(instanceName);
    }, (error) => {
      reprobing = false;
      if (phase !== "closed") log("error", `Could not keep the DNS-SD name: ${errorText(error)}`);
    });
  }

  function answer(message: DnsMessage, from: MdnsRemote): void {
    const legacy = from.port !== MDNS_PORT;
    const reply = answerQuery(records, message.questions, {
      knownAnswers: legacy ? [] : message.answers,
    });
    if (reply.answers.length === 0) return;
    if (legacy) {
      void socket.send({
        type: "response",
        id: message.id,
        questions: message.questions,
        answers: forLegacyUnicast(reply.answers),
        additionals: forLegacyUnicast(reply.additionals),
      }, from);
      return;
    }
    const to = reply.unicast ? from : undefined;
    const shared = reply.answers.some((r) => r.type === "PTR");
    const isProbe = message.authorities.length > 0;
    const send = () => {
      if (phase === "announced") {
        void socket.send({
          type: "response",
          answers: reply.answers,
          additionals: reply.additionals,
        }, to);
      }
    };
    if (shared && !isProbe) {
      later(randomBetween(RESPONSE_MIN_DELAY_MS, RESPONSE_MAX_DELAY_MS), send);
    } else send();
  }

  socket.onMessage((message, from) => {
    if (phase === "closed") return;
    if (phase === "probing") {
      onProbeMessage(message);
      return;
    }
    if (message.type === "query") {
      answer(message, from);
    } else if (findConflicts(message, probedRecords()).some((r) => r.ttl > 0)) {
      reprobe();
    }
  });

  async function close(): Promise<void> {
    if (phase === "closed") return;
    const wasAnnounced = phase === "announced";
    phase = "closed";
    closeController.abort();
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    if (wasAnnounced) {
      await socket.send({ type: "response", answers: allRecords(build(true)) });
      log("info", `Said goodbye for "${instanceName}".`);
    }
    await socket.close();
  }

  try {
    await probe();
  } catch (error) {
    await close();
    throw error;
  }
  phase = "announced";
  announce();
  log(
    "info",
    `Advertising "${instanceName}" (${serviceType}) at ${host}.local:${service.port} ` +
      `(${addresses.join(", ")}).`,
  );
  signal?.addEventListener("abort", () => void close(), { once: true });

  return {
    get instanceName() {
      return instanceName;
    },
    get host() {
      return host;
    },
    serviceType,
    addresses,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The message of an error or thrown value. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
