/**
 * Claims an instance name and a host name on the link by probing (RFC 6762
 * §8.1, §8.2): asks three times whether anyone owns them, renames on a
 * conflict (`name (2)`, host `host-2`), and backs off when another host
 * probes for the same names at the same time and wins the tiebreak.
 *
 * @module
 */

import {
  MAX_RENAME_ATTEMPTS,
  PROBE_COUNT,
  PROBE_INTERVAL_MS,
  PROBE_MAX_INITIAL_DELAY_MS,
  PROBE_RATE_LIMIT_CONFLICTS,
  PROBE_RATE_LIMIT_DELAY_MS,
  PROBE_TIEBREAK_DELAY_MS,
} from "./constants.ts";
import {
  canonicalName,
  compareProbeRecords,
  type DnsMessage,
  type DnsRecord,
} from "./dns_records.ts";
import { findConflicts, type ServiceRecordSet, uniqueRecords } from "./dns_sd.ts";
import type { DiscoveryLog, MdnsSocket } from "./mdns_socket.ts";
import { nextHostName, nextInstanceName } from "./service_names.ts";

/** What one round of probes found out about the names. */
export type ProbeOutcome = "unique" | "instance-conflict" | "host-conflict" | "lost-tiebreak";

/** The two names an advertisement owns. */
export interface ClaimedNames {
  /** One DNS label, e.g. `p2pft server on alpha`. */
  instanceName: string;
  /** A host label without `.local`, e.g. `alpha`. */
  host: string;
}

/** Waits `ms` milliseconds; rejects with the signal's reason if it is aborted first. */
export type Delay = (ms: number, signal: AbortSignal) => Promise<void>;

/** Options of {@linkcode Prober}. */
export interface ProberOptions {
  /** The records a pair of names leads to (built again after each rename). */
  build: (names: ClaimedNames) => ServiceRecordSet;
  /** Aborting stops probing: {@linkcode Prober.claim} rejects with the reason. */
  signal: AbortSignal;
  /** Where log lines go. */
  log?: DiscoveryLog;
  /** Default: a timer. Tests pass one that returns at once. */
  delay?: Delay;
  /** Uniform in [0, 1), for the random wait before the first probe; default `Math.random`. */
  random?: () => number;
}

/** What a finished claim won. */
export interface Claim {
  /** The names, renamed if the ones asked for were taken. */
  names: ClaimedNames;
  records: ServiceRecordSet;
}

/** Records grouped by owner name (instance name, host name), for the probe tiebreak. */
function recordsByName(records: DnsRecord[]): Map<string, DnsRecord[]> {
  const map = new Map<string, DnsRecord[]>();
  for (const record of records) {
    const key = canonicalName(record.name);
    map.set(key, [...(map.get(key) ?? []), record]);
  }
  return map;
}

/**
 * What `message`, heard while probing for `set`, says: a response with other
 * data for our instance or host name is a conflict (RFC 6762 §8.1); a probe
 * by another host for the same names whose records sort later wins the
 * tiebreak (§8.2). Undefined when it says nothing about our names.
 */
export function probeOutcomeOf(
  message: DnsMessage,
  set: ServiceRecordSet,
): ProbeOutcome | undefined {
  const ours = uniqueRecords(set);
  if (message.type === "response") {
    const conflicts = findConflicts(message, ours).filter((r) => r.ttl > 0);
    if (conflicts.length === 0) return undefined;
    const instanceHit = conflicts.some((r) =>
      canonicalName(r.name) === canonicalName(set.srv.name)
    );
    return instanceHit ? "instance-conflict" : "host-conflict";
  }
  const theirs = recordsByName(message.authorities);
  let outcome: ProbeOutcome | undefined;
  for (const [name, own] of recordsByName(ours)) {
    const other = theirs.get(name);
    if (other && compareProbeRecords(own, other) < 0) outcome = "lost-tiebreak";
  }
  return outcome;
}

/** Waits `ms` milliseconds on a timer; rejects with the signal's reason if it is aborted first. */
function timerDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Probes for names until they are unique on the link. The caller passes
 * every message heard to {@linkcode Prober.hear} while a claim runs.
 */
export class Prober {
  #socket: Pick<MdnsSocket, "send">;
  #build: (names: ClaimedNames) => ServiceRecordSet;
  #signal: AbortSignal;
  #log: DiscoveryLog;
  #delay: Delay;
  #random: () => number;
  /** Records of the round in progress, if any. */
  #records: ServiceRecordSet | undefined;
  /** What the round in progress heard so far. */
  #outcome: ProbeOutcome | undefined;

  constructor(socket: Pick<MdnsSocket, "send">, options: ProberOptions) {
    this.#socket = socket;
    this.#build = options.build;
    this.#signal = options.signal;
    this.#log = options.log ?? (() => {});
    this.#delay = options.delay ?? timerDelay;
    this.#random = options.random ?? Math.random;
  }

  /** Takes in a message heard on the link; the latest telling one decides the round. */
  hear(message: DnsMessage): void {
    if (this.#records === undefined) return;
    this.#outcome = probeOutcomeOf(message, this.#records) ?? this.#outcome;
  }

  /**
   * Probes for `names`, renaming after each conflict, until a round of
   * probes goes unanswered. Throws after {@linkcode MAX_RENAME_ATTEMPTS}
   * renames, or with the signal's reason when aborted.
   */
  async claim(names: ClaimedNames): Promise<Claim> {
    let current = names;
    let conflicts = 0;
    try {
      for (;;) {
        this.#records = this.#build(current);
        const outcome = await this.#round();
        if (outcome === "unique") return { names: current, records: this.#records };
        if (outcome === "lost-tiebreak") {
          this.#log(
            "debug",
            `another host probes for "${current.instanceName}" at the same time; probing again`,
          );
          await this.#delay(PROBE_TIEBREAK_DELAY_MS, this.#signal);
          continue;
        }
        conflicts++;
        if (conflicts > MAX_RENAME_ATTEMPTS) {
          throw new Error(
            `no free DNS-SD name found after ${MAX_RENAME_ATTEMPTS} renames of ` +
              `"${names.instanceName}": choose another instance name`,
          );
        }
        current = this.#rename(current, outcome);
        if (conflicts >= PROBE_RATE_LIMIT_CONFLICTS) {
          await this.#delay(PROBE_RATE_LIMIT_DELAY_MS, this.#signal);
        }
      }
    } finally {
      this.#records = undefined;
    }
  }

  /** The names to try after `outcome` found one of `names` taken. */
  #rename(names: ClaimedNames, outcome: "instance-conflict" | "host-conflict"): ClaimedNames {
    if (outcome === "instance-conflict") {
      const next = nextInstanceName(names.instanceName);
      this.#log(
        "info",
        `the name "${names.instanceName}" is taken on this network; using "${next}"`,
      );
      return { ...names, instanceName: next };
    }
    const next = nextHostName(names.host);
    this.#log(
      "info",
      `the host name "${names.host}.local" is taken on this network; using "${next}.local"`,
    );
    return { ...names, host: next };
  }

  /** One round: a random wait, then up to three probes 250 ms apart, stopping at the first answer. */
  async #round(): Promise<ProbeOutcome> {
    this.#outcome = undefined;
    await this.#delay(
      Math.floor(this.#random() * (PROBE_MAX_INITIAL_DELAY_MS + 1)),
      this.#signal,
    );
    for (let i = 0; i < PROBE_COUNT && this.#outcome === undefined; i++) {
      const records = this.#records!;
      await this.#socket.send({
        type: "query",
        questions: [
          { name: records.srv.name, type: "ANY" },
          { name: records.srv.data.target, type: "ANY" },
        ],
        authorities: uniqueRecords(records),
      });
      await this.#delay(PROBE_INTERVAL_MS, this.#signal);
    }
    return this.#outcome ?? "unique";
  }
}
