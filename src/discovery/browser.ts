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
 * import { SERVER_SERVICE_TYPE } from "../constants.ts";
 * const found = await browse(SERVER_SERVICE_TYPE, { timeoutMs: 5_000, settleMs: 1_000 });
 * const server = pickServer(found);
 * if (server) console.log(`${server.instanceName} at ${server.addresses[0]}:${server.port}`);
 * ```
 *
 * @module
 */

import { DEFAULT_DISCOVER_TIMEOUT_MS, PROTOCOL_VERSION } from "../constants.ts";
import {
  BROWSE_FIRST_INTERVAL_MS,
  BROWSE_INTERVAL_FACTOR,
  BROWSE_MAX_INTERVAL_MS,
  CACHE_FLUSH_GRACE_MS,
  CACHE_SWEEP_INTERVAL_MS,
  GOODBYE_GRACE_MS,
  KNOWN_ANSWER_MIN_TTL_FRACTION,
  REFRESH_QUERY_COUNT,
  REFRESH_STEP_FRACTION,
  REFRESH_TTL_FRACTION,
  RESOLVE_RETRY_MS,
  TXT_KEY_PROTOCOL_VERSION,
} from "./constants.ts";
import {
  canonicalName,
  compareInstanceNames,
  type DnsQuestion,
  type DnsRecord,
  instanceFullName,
  instancesFromRecords,
  isResolved,
  normalizeServiceType,
  recordKey,
  type ServiceInstance,
} from "./dns_sd.ts";
import { type DiscoveryLog, openMdnsSocket } from "./mdns_socket.ts";

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

/** One cached record and its bookkeeping. */
interface CacheEntry {
  record: DnsRecord;
  /** When it was (last) received, ms since epoch. */
  receivedAt: number;
  /** When it is dropped. */
  expiresAt: number;
  /** TTL it was received with, in seconds. */
  originalTtl: number;
  /** Refresh queries already sent for this reception (0 to 4). */
  refreshes: number;
}

/** A record as it would be reported now, with its remaining TTL. */
function withRemainingTtl(entry: CacheEntry, now: number): DnsRecord {
  return { ...entry.record, ttl: Math.max(0, Math.floor((entry.expiresAt - now) / 1000)) };
}

/** What identifies an instance's state for change detection (everything but the TTL). */
function signature(instance: ServiceInstance): string {
  const { ttl: _ttl, ...rest } = instance;
  return JSON.stringify(rest);
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
  const cache = new Map<string, CacheEntry>();
  const lastAsked = new Map<string, number>();
  let known = new Map<string, ServiceInstance>();
  let closed = false;
  let queryTimer: ReturnType<typeof setTimeout> | undefined;
  let queryInterval = BROWSE_FIRST_INTERVAL_MS;

  /** Whether some cached SRV record points at host `name`. */
  function isTarget(name: string): boolean {
    const key = canonicalName(name);
    return [...cache.values()].some((e) =>
      e.record.type === "SRV" && canonicalName(e.record.data.target) === key
    );
  }

  /** Whether a record concerns this service type: its PTR, SRV, TXT, or a target's address. */
  function relevant(record: DnsRecord): boolean {
    switch (record.type) {
      case "PTR":
        return canonicalName(record.name) === canonicalName(type);
      case "SRV":
      case "TXT":
        return canonicalName(record.name).endsWith(`.${canonicalName(type)}`);
      default:
        return isTarget(record.name);
    }
  }

  function store(record: DnsRecord, now: number): void {
    const key = recordKey(record);
    const existing = cache.get(key);
    if (record.ttl === 0) {
      // Goodbye: keep it one more second (RFC 6762 §10.1).
      if (existing) existing.expiresAt = Math.min(existing.expiresAt, now + GOODBYE_GRACE_MS);
      return;
    }
    if (record.flush) {
      for (const [otherKey, other] of cache) {
        if (
          otherKey !== key && other.record.type === record.type &&
          canonicalName(other.record.name) === canonicalName(record.name) &&
          other.receivedAt < now - CACHE_FLUSH_GRACE_MS
        ) {
          other.expiresAt = Math.min(other.expiresAt, now + CACHE_FLUSH_GRACE_MS);
        }
      }
    }
    cache.set(key, {
      record,
      receivedAt: now,
      expiresAt: now + record.ttl * 1000,
      originalTtl: record.ttl,
      refreshes: 0,
    });
  }

  function currentRecords(now: number): DnsRecord[] {
    return [...cache.values()].map((entry) => withRemainingTtl(entry, now));
  }

  function send(questions: DnsQuestion[], knownAnswers: DnsRecord[] = []): void {
    if (closed || questions.length === 0) return;
    void socket.send({ type: "query", questions, answers: knownAnswers });
  }

  /** Asks for the SRV/TXT or addresses that unresolved instances lack. */
  function resolveMissing(instances: ServiceInstance[], now: number): void {
    const questions: DnsQuestion[] = [];
    const ask = (name: string, types: string[]) => {
      const key = canonicalName(name);
      if (now - (lastAsked.get(key) ?? -Infinity) < RESOLVE_RETRY_MS) return;
      lastAsked.set(key, now);
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

  function update(now: number): void {
    const instances = instancesFromRecords(currentRecords(now), type);
    const next = new Map<string, ServiceInstance>();
    for (const instance of instances) {
      if (isResolved(instance)) next.set(canonicalName(instance.instanceName), instance);
    }
    const changes: ServiceChange[] = [];
    for (const [key, instance] of next) {
      const before = known.get(key);
      if (!before) changes.push({ type: "up", instance });
      else if (signature(before) !== signature(instance)) {
        changes.push({ type: "update", instance });
      }
    }
    for (const [key, instance] of known) {
      if (!next.has(key)) changes.push({ type: "down", instance: { ...instance, ttl: 0 } });
    }
    known = next;
    for (const change of changes) {
      log(
        "debug",
        `Service ${change.type}: "${change.instance.instanceName}" at ${change.instance.host}:${change.instance.port}`,
      );
      try {
        options.onChange?.(change);
      } catch (error) {
        log("error", `A discovery change handler failed: ${String(error)}`);
      }
    }
    resolveMissing(instances, now);
  }

  function sweep(): void {
    const now = Date.now();
    const refresh: DnsQuestion[] = [];
    for (const [key, entry] of cache) {
      if (entry.expiresAt <= now) {
        cache.delete(key);
        continue;
      }
      // Refresh at 80%, 85%, 90% and 95% of the TTL (RFC 6762 §5.2).
      const due = entry.receivedAt +
        entry.originalTtl * 1000 * (REFRESH_TTL_FRACTION + entry.refreshes * REFRESH_STEP_FRACTION);
      if (
        entry.refreshes < REFRESH_QUERY_COUNT && now >= due && relevant(entry.record) &&
        entry.expiresAt - now > GOODBYE_GRACE_MS
      ) {
        entry.refreshes++;
        const question = { name: entry.record.name, type: entry.record.type };
        if (!refresh.some((q) => q.name === question.name && q.type === question.type)) {
          refresh.push(question);
        }
      }
    }
    send(refresh);
    update(now);
  }

  function browseQuery(): void {
    const now = Date.now();
    const knownAnswers = [...cache.values()]
      .filter((e) =>
        e.record.type === "PTR" &&
        e.expiresAt - now > e.originalTtl * 1000 * KNOWN_ANSWER_MIN_TTL_FRACTION
      )
      .map((e) => withRemainingTtl(e, now));
    send([{ name: type, type: "PTR" }], knownAnswers);
    queryTimer = setTimeout(browseQuery, queryInterval);
    queryInterval = Math.min(queryInterval * BROWSE_INTERVAL_FACTOR, BROWSE_MAX_INTERVAL_MS);
  }

  socket.onMessage((message) => {
    if (closed || message.type !== "response") return;
    const now = Date.now();
    const records = [...message.answers, ...message.additionals];
    // Addresses last: they are kept only for hosts some SRV record points at.
    const ordered = [
      ...records.filter((r) => r.type !== "A" && r.type !== "AAAA"),
      ...records.filter((r) => r.type === "A" || r.type === "AAAA"),
    ];
    let stored = 0;
    for (const record of ordered) {
      if (!relevant(record)) continue;
      store(record, now);
      stored++;
    }
    if (stored > 0) update(now);
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
