/**
 * Finds DNS-SD service instances over mDNS: a one-shot {@linkcode browse}
 * for `p2pft peer --auto-discover`, a continuous {@linkcode watchServices} for
 * peer-to-peer discovery, and {@linkcode pickServer} to choose one server
 * deterministically when several answer.
 *
 * Both keep a cache of the records heard (RFC 6762 §10: TTLs, goodbyes,
 * cache-flush), query with exponential back-off and known-answer
 * suppression (§5.2, §7.1), ask for SRV/TXT/A/AAAA records that responses
 * left out, and refresh records at 80-95% of their TTL.
 *
 * @example Find a server for up to 5 s
 * ```ts
 * import { browse, pickServer } from "./browser.ts";
 * import { SERVER_SERVICE_TYPE } from "./constants.ts";
 * const found = await browse(SERVER_SERVICE_TYPE, { timeoutMs: 5_000, settleMs: 1_000 });
 * const server = pickServer(found);
 * if (server) console.log(`${server.instanceName} at ${server.addresses[0]}:${server.port}`);
 * ```
 *
 * @module
 */

import { DEFAULT_DISCOVER_TIMEOUT_MS, PROTOCOL_VERSION } from "../constants.ts";
import { errorMessage } from "../log.ts";
import {
  BROWSE_FIRST_INTERVAL_MS,
  BROWSE_INTERVAL_FACTOR,
  BROWSE_MAX_INTERVAL_MS,
  CACHE_SWEEP_INTERVAL_MS,
  RESOLVE_RETRY_MS,
  TXT_KEY_PROTOCOL_VERSION,
} from "./constants.ts";
import { canonicalName, type DnsQuestion, type DnsRecord } from "./dns_records.ts";
import { instancesFromRecords, isResolved, type ServiceInstance } from "./dns_sd.ts";
import { type DiscoveryLog, openMdnsSocket } from "./mdns_socket.ts";
import { RecordCache } from "./record_cache.ts";
import { compareInstanceNames, instanceFullName, normalizeServiceType } from "./service_names.ts";

/** What changed about a service instance. */
export interface ServiceChange {
  /** `up`: newly resolved; `update`: port, host, addresses or TXT changed; `down`: gone. */
  type: "up" | "update" | "down";
  /** The instance as now known (as last known, for `down`). */
  instance: ServiceInstance;
}

/** Options of {@linkcode watchServices}. */
export interface WatchOptions {
  /** Stops watching when aborted. */
  signal?: AbortSignal;
  /** Called on every change, in order. */
  onChange?: (change: ServiceChange) => void;
  /** Interface (name or IPv4 address) to use for mDNS; default all. */
  interface?: string;
  /** Where log lines go. */
  log?: DiscoveryLog;
}

/** A running watch of one service type. */
export interface ServiceWatcher extends AsyncDisposable {
  /** The resolved instances now known, sorted by instance name. */
  instances(): ServiceInstance[];
  /** Stops watching and closes the socket. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@linkcode browse}. */
export interface BrowseOptions {
  /** Longest time to browse, in milliseconds; default 5 s. */
  timeoutMs?: number;
  /**
   * Return this long after the first instance is resolved instead of waiting
   * for the whole timeout (responders answer within ~120 ms, so 1 s is plenty
   * to hear every server). Unset: browse for the whole timeout.
   */
  settleMs?: number;
  /** Aborting stops the browse, which then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Interface (name or IPv4 address) to use for mDNS; default all. */
  interface?: string;
  /** Where log lines go. */
  log?: DiscoveryLog;
}

/** Options of {@linkcode pickServer}. */
export interface PickServerOptions {
  /**
   * Protocol version the caller speaks; instances whose TXT `protovers`
   * differs are skipped (instances without the key are kept). Default
   * {@linkcode PROTOCOL_VERSION}.
   */
  protocolVersion?: number;
}

/** What identifies an instance's state for change detection (everything but the TTL). */
function signature(instance: ServiceInstance): string {
  const { ttl: _ttl, ...rest } = instance;
  return JSON.stringify(rest);
}

/**
 * The changes from the resolved instances `before` (by lower-cased name) to
 * `instances`: `up` for a newly resolved one, `update` when its host, port,
 * addresses or TXT changed (not its TTL), `down` for one no longer resolved.
 * Returns the changes and the resolved instances now, by lower-cased name.
 */
export function instanceChanges(
  before: ReadonlyMap<string, ServiceInstance>,
  instances: ServiceInstance[],
): { changes: ServiceChange[]; resolved: Map<string, ServiceInstance> } {
  const resolved = new Map<string, ServiceInstance>();
  for (const instance of instances) {
    if (isResolved(instance)) resolved.set(canonicalName(instance.instanceName), instance);
  }
  const changes: ServiceChange[] = [];
  for (const [key, instance] of resolved) {
    const old = before.get(key);
    if (!old) changes.push({ type: "up", instance });
    else if (signature(old) !== signature(instance)) changes.push({ type: "update", instance });
  }
  for (const [key, instance] of before) {
    if (!resolved.has(key)) changes.push({ type: "down", instance: { ...instance, ttl: 0 } });
  }
  return { changes, resolved };
}

/**
 * Watches the network for instances of `serviceType` until closed or
 * aborted, calling `options.onChange` when one appears, changes or goes away
 * (goodbye, or TTL expired). Resolves once the socket is open and the first
 * query is sent. Throws if the mDNS socket cannot be opened.
 */
export async function watchServices(
  serviceType: string,
  options: WatchOptions = {},
): Promise<ServiceWatcher> {
  options.signal?.throwIfAborted();
  const type = normalizeServiceType(serviceType);
  const log: DiscoveryLog = options.log ?? (() => {});
  const socket = await openMdnsSocket({ interface: options.interface, log });
  const cache = new RecordCache();
  const lastAsked = new Map<string, number>();
  let known = new Map<string, ServiceInstance>();
  let closed = false;
  let queryTimer: ReturnType<typeof setTimeout> | undefined;
  let queryInterval = BROWSE_FIRST_INTERVAL_MS;

  /** Whether a record concerns this service type: its PTR, SRV, TXT, or a target's address. */
  function relevant(record: DnsRecord): boolean {
    switch (record.type) {
      case "PTR":
        return canonicalName(record.name) === canonicalName(type);
      case "SRV":
      case "TXT":
        return canonicalName(record.name).endsWith(`.${canonicalName(type)}`);
      default:
        return cache.isTarget(record.name);
    }
  }

  function send(questions: DnsQuestion[], knownAnswers: DnsRecord[] = []): void {
    if (closed || questions.length === 0) return;
    void socket.send({ type: "query", questions, answers: knownAnswers });
  }

  /** Asks for the SRV/TXT or addresses that unresolved instances lack. */
  function resolveMissing(instances: ServiceInstance[]): void {
    const questions: DnsQuestion[] = [];
    const time = Date.now();
    const ask = (name: string, types: string[]) => {
      const key = canonicalName(name);
      if (time - (lastAsked.get(key) ?? -Infinity) < RESOLVE_RETRY_MS) return;
      lastAsked.set(key, time);
      for (const t of types) questions.push({ name, type: t });
    };
    for (const instance of instances) {
      if (instance.ttl === 0) continue;
      const fullName = instanceFullName(instance.instanceName, type);
      if (instance.port === 0) ask(fullName, ["SRV", "TXT"]);
      else if (instance.addresses.length === 0) ask(instance.host, ["A", "AAAA"]);
    }
    send(questions);
  }

  function update(): void {
    const instances = instancesFromRecords(cache.records(), type);
    const { changes, resolved } = instanceChanges(known, instances);
    known = resolved;
    for (const change of changes) {
      const { instanceName, host, port } = change.instance;
      log("debug", `service ${change.type}: "${instanceName}" at ${host}:${port}`);
      try {
        options.onChange?.(change);
      } catch (error) {
        log("error", `a discovery change handler failed: ${errorMessage(error)}`);
      }
    }
    resolveMissing(instances);
  }

  function sweep(): void {
    send(cache.refreshQuestions(relevant));
    update();
  }

  function browseQuery(): void {
    send([{ name: type, type: "PTR" }], cache.knownPtrAnswers());
    queryTimer = setTimeout(browseQuery, queryInterval);
    queryInterval = Math.min(queryInterval * BROWSE_INTERVAL_FACTOR, BROWSE_MAX_INTERVAL_MS);
  }

  socket.onMessage((message) => {
    if (closed || message.type !== "response") return;
    const records = [...message.answers, ...message.additionals];
    // Addresses last: they are kept only for hosts some SRV record points at.
    const ordered = [
      ...records.filter((r) => r.type !== "A" && r.type !== "AAAA"),
      ...records.filter((r) => r.type === "A" || r.type === "AAAA"),
    ];
    let stored = 0;
    for (const record of ordered) {
      if (!relevant(record)) continue;
      cache.add(record);
      stored++;
    }
    if (stored > 0) update();
  });

  const sweepTimer = setInterval(sweep, CACHE_SWEEP_INTERVAL_MS);
  browseQuery();

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    clearTimeout(queryTimer);
    clearInterval(sweepTimer);
    await socket.close();
  }
  options.signal?.addEventListener("abort", () => void close(), { once: true });

  return {
    instances: () =>
      [...known.values()].sort((a, b) => compareInstanceNames(a.instanceName, b.instanceName)),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Browses for instances of `serviceType` for `timeoutMs` (default 5 s), or
 * until `settleMs` after the first one is resolved, and returns the resolved
 * instances sorted by instance name (empty if none answered). Rejects with
 * the signal's reason if aborted, or if the mDNS socket cannot be opened.
 */
export async function browse(
  serviceType: string,
  options: BrowseOptions = {},
): Promise<ServiceInstance[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVER_TIMEOUT_MS;
  const signal = options.signal;
  signal?.throwIfAborted();
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  const watcher = await watchServices(serviceType, {
    interface: options.interface,
    log: options.log,
    onChange(change) {
      if (change.type === "up" && options.settleMs !== undefined && settleTimer === undefined) {
        settleTimer = setTimeout(finish, options.settleMs);
      }
    },
  });
  const timeout = setTimeout(finish, timeoutMs);
  const onAbort = () => finish();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await done;
    signal?.throwIfAborted();
    return watcher.instances();
  } finally {
    clearTimeout(timeout);
    clearTimeout(settleTimer);
    signal?.removeEventListener("abort", onAbort);
    await watcher.close();
  }
}

/**
 * Chooses the server to connect to among `instances`, deterministically:
 * only resolved instances whose TXT `protovers` (if present) matches our
 * protocol version are considered, and among them the one with the lowest
 * instance name wins (compared case-insensitively, then by exact code
 * points; ties broken by host name, then port). Every peer that sees the
 * same servers thus picks the same one. Returns undefined if none fits.
 */
export function pickServer(
  instances: ServiceInstance[],
  options: PickServerOptions = {},
): ServiceInstance | undefined {
  const version = String(options.protocolVersion ?? PROTOCOL_VERSION);
  const candidates = instances.filter((instance) =>
    isResolved(instance) &&
    (instance.txt[TXT_KEY_PROTOCOL_VERSION] === undefined ||
      instance.txt[TXT_KEY_PROTOCOL_VERSION] === version)
  );
  candidates.sort((a, b) =>
    compareInstanceNames(a.instanceName, b.instanceName) ||
    compareInstanceNames(a.host, b.host) ||
    a.port - b.port
  );
  return candidates[0];
}
