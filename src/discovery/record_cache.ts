/**
 * The records a browser has heard, kept as RFC 6762 §10 says: each lives for
 * its TTL, a goodbye (TTL 0) removes it one second later, a cache-flush
 * record evicts the older ones of its name and type, and a record is asked
 * for again at 80%, 85%, 90% and 95% of its TTL (§5.2). No timers: time is
 * read from the injected clock whenever the cache is used.
 *
 * @module
 */

import { MS_PER_SECOND } from "../constants.ts";
import {
  CACHE_FLUSH_GRACE_MS,
  GOODBYE_GRACE_MS,
  KNOWN_ANSWER_MIN_TTL_FRACTION,
  REFRESH_QUERY_COUNT,
  REFRESH_STEP_FRACTION,
  REFRESH_TTL_FRACTION,
} from "./constants.ts";
import { canonicalName, type DnsQuestion, type DnsRecord, recordKey } from "./dns_records.ts";

/** One cached record and its bookkeeping. */
interface CacheEntry {
  record: DnsRecord;
  /** When it was (last) received, by the cache's clock. */
  receivedAt: number;
  /** When it is dropped, by the cache's clock. */
  expiresAt: number;
  /** Refresh queries already sent for this reception (0 to 4). */
  refreshes: number;
}

/** Options of {@linkcode RecordCache}. */
export interface RecordCacheOptions {
  /** The clock, in milliseconds; default `Date.now`. */
  now?: () => number;
}

/** A record as it would be reported now, with its remaining TTL. */
function withRemainingTtl(entry: CacheEntry, now: number): DnsRecord {
  return { ...entry.record, ttl: Math.max(0, Math.floor((entry.expiresAt - now) / MS_PER_SECOND)) };
}

/** The records heard, by name, type and data; expired ones are dropped as the cache is read. */
export class RecordCache {
  #entries = new Map<string, CacheEntry>();
  #now: () => number;

  constructor(options: RecordCacheOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Number of records held, expired ones included until the next read. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Takes in a received record: a new one is stored for its TTL; one already
   * held is refreshed (its TTL starts again); a goodbye (TTL 0) makes a held
   * record expire one second from now; a cache-flush record makes the held
   * records of its name and type received over a second ago expire one
   * second from now.
   */
  add(record: DnsRecord): void {
    const now = this.#now();
    const key = recordKey(record);
    const existing = this.#entries.get(key);
    if (record.ttl === 0) {
      if (existing) existing.expiresAt = Math.min(existing.expiresAt, now + GOODBYE_GRACE_MS);
      return;
    }
    if (record.flush) {
      for (const [otherKey, other] of this.#entries) {
        if (
          otherKey !== key && other.record.type === record.type &&
          canonicalName(other.record.name) === canonicalName(record.name) &&
          other.receivedAt < now - CACHE_FLUSH_GRACE_MS
        ) {
          other.expiresAt = Math.min(other.expiresAt, now + CACHE_FLUSH_GRACE_MS);
        }
      }
    }
    this.#entries.set(key, {
      record,
      receivedAt: now,
      expiresAt: now + record.ttl * MS_PER_SECOND,
      refreshes: 0,
    });
  }

  /** The records still alive, each with the TTL it has left. */
  records(): DnsRecord[] {
    const now = this.#expire();
    return [...this.#entries.values()].map((entry) => withRemainingTtl(entry, now));
  }

  /** Whether some live SRV record points at host `name`. */
  isTarget(name: string): boolean {
    const key = canonicalName(name);
    return [...this.#entries.values()].some((e) =>
      e.record.type === "SRV" && canonicalName(e.record.data.target) === key
    );
  }

  /**
   * The questions to ask now to refresh the records `wanted` keeps: one per
   * name and type whose record reached 80%, 85%, 90% or 95% of its TTL since
   * the last such question (RFC 6762 §5.2). Each record is asked for at most
   * four times per reception, and not in its last second.
   */
  refreshQuestions(wanted: (record: DnsRecord) => boolean): DnsQuestion[] {
    const now = this.#expire();
    const questions: DnsQuestion[] = [];
    for (const entry of this.#entries.values()) {
      const ttlMs = entry.record.ttl * MS_PER_SECOND;
      // Rounded: 0.8 + 0.05 is a hair over 0.85 in floating point.
      const due = entry.receivedAt +
        Math.round(ttlMs * (REFRESH_TTL_FRACTION + entry.refreshes * REFRESH_STEP_FRACTION));
      if (
        entry.refreshes < REFRESH_QUERY_COUNT && now >= due && wanted(entry.record) &&
        entry.expiresAt - now > GOODBYE_GRACE_MS
      ) {
        entry.refreshes++;
        const question = { name: entry.record.name, type: entry.record.type };
        if (!questions.some((q) => q.name === question.name && q.type === question.type)) {
          questions.push(question);
        }
      }
    }
    return questions;
  }

  /**
   * The PTR records to list as known answers in a query (RFC 6762 §7.1):
   * those with more than half their TTL left, so responders need not repeat
   * them.
   */
  knownPtrAnswers(): DnsRecord[] {
    const now = this.#expire();
    return [...this.#entries.values()]
      .filter((e) =>
        e.record.type === "PTR" &&
        e.expiresAt - now > e.record.ttl * MS_PER_SECOND * KNOWN_ANSWER_MIN_TTL_FRACTION
      )
      .map((e) => withRemainingTtl(e, now));
  }

  /** Drops the expired records; returns the time it used. */
  #expire(): number {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key);
    }
    return now;
  }
}
