/**
 * Speaks for the records of a claimed service instance (RFC 6762 §6-§10):
 * announces them, answers queries (multicast, unicast for QU questions, and
 * legacy one-shot askers), reports a host that claims the same names so the
 * names can be probed again, and says goodbye (TTL 0) when stopped.
 *
 * @module
 */

import {
  ANNOUNCE_COUNT,
  ANNOUNCE_INTERVAL_MS,
  LEGACY_UNICAST_MAX_TTL_S,
  MDNS_PORT,
  RESPONSE_MAX_DELAY_MS,
  RESPONSE_MIN_DELAY_MS,
} from "./constants.ts";
import { type DnsMessage, type DnsRecord, sameRecord } from "./dns_records.ts";
import {
  allRecords,
  answerQuery,
  findConflicts,
  type ServiceRecordSet,
  uniqueRecords,
} from "./dns_sd.ts";
import type { MdnsRemote, MdnsSocket } from "./mdns_socket.ts";

/** Runs `action` after `ms` milliseconds; returns the function that cancels it. */
export type Schedule = (action: () => void, ms: number) => () => void;

/** Options of {@linkcode Responder}. */
export interface ResponderOptions {
  /**
   * Called when another host answers with other data for one of our names
   * (RFC 6762 §9); the caller pauses the responder and probes again.
   */
  onConflict: () => void;
  /** Uniform in [0, 1), for the random delay of shared answers; default `Math.random`. */
  random?: () => number;
  /** Default: a timer. Tests pass one they run by hand. */
  schedule?: Schedule;
}

/** {@linkcode Schedule} on a timer. */
function timerSchedule(action: () => void, ms: number): () => void {
  const id = setTimeout(action, ms);
  return () => clearTimeout(id);
}

/** `records` with TTL 0: "forget these". */
function goodbyeOf(records: DnsRecord[]): DnsRecord[] {
  return records.map((record) => ({ ...record, ttl: 0 }));
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
 * Answers for one record set while active. The caller passes every message
 * heard to {@linkcode Responder.hear} while the names are claimed.
 */
export class Responder {
  #socket: Pick<MdnsSocket, "send">;
  #onConflict: () => void;
  #random: () => number;
  #schedule: Schedule;
  /** Cancels of the announcements and delayed answers not yet sent. */
  #pending = new Set<() => void>();
  /** The records spoken for; undefined until the first announcement. */
  #records: ServiceRecordSet | undefined;
  #active = false;

  constructor(socket: Pick<MdnsSocket, "send">, options: ResponderOptions) {
    this.#socket = socket;
    this.#onConflict = options.onConflict;
    this.#random = options.random ?? Math.random;
    this.#schedule = options.schedule ?? timerSchedule;
  }

  /**
   * Starts speaking for `records`: withdraws (TTL 0) what the previous set
   * had and `records` has not (after a rename), then announces `records`
   * twice, one second apart (RFC 6762 §8.3).
   */
  announce(records: ServiceRecordSet): void {
    const current = allRecords(records);
    const stale = this.#records === undefined
      ? []
      : allRecords(this.#records).filter((old) => !current.some((r) => sameRecord(r, old)));
    this.#records = records;
    this.#active = true;
    if (stale.length > 0) void this.#socket.send({ type: "response", answers: goodbyeOf(stale) });
    const send = (left: number) => {
      if (!this.#active || this.#records !== records) return;
      void this.#socket.send({ type: "response", answers: current });
      if (left > 1) this.#later(ANNOUNCE_INTERVAL_MS, () => send(left - 1));
    };
    send(ANNOUNCE_COUNT);
  }

  /** Stops answering until the next {@linkcode Responder.announce}; answers not yet sent are dropped. */
  pause(): void {
    this.#active = false;
  }

  /** Takes in a message heard on the link: answers a query, or reports a conflicting response. */
  hear(message: DnsMessage, from: MdnsRemote): void {
    const records = this.#records;
    if (!this.#active || records === undefined) return;
    if (message.type === "query") {
      this.#answer(records, message, from);
    } else if (findConflicts(message, uniqueRecords(records)).some((r) => r.ttl > 0)) {
      this.#onConflict();
    }
  }

  /**
   * Stops for good. When it was speaking for records, sends their goodbye
   * (every record with TTL 0) and resolves true once it is sent.
   */
  async stop(): Promise<boolean> {
    const wasActive = this.#active;
    this.#active = false;
    for (const cancel of this.#pending) cancel();
    this.#pending.clear();
    if (!wasActive || this.#records === undefined) return false;
    await this.#socket.send({ type: "response", answers: goodbyeOf(allRecords(this.#records)) });
    return true;
  }

  #later(ms: number, action: () => void): void {
    const cancel = this.#schedule(() => {
      this.#pending.delete(cancel);
      action();
    }, ms);
    this.#pending.add(cancel);
  }

  /**
   * Answers `message` (RFC 6762 §6): a legacy asker (source port not 5353)
   * at once by unicast, with its id and capped TTLs; QU questions by
   * unicast; shared records (PTR) after a random 20-120 ms unless the query
   * is a probe; unique records at once.
   */
  #answer(records: ServiceRecordSet, message: DnsMessage, from: MdnsRemote): void {
    const legacy = from.port !== MDNS_PORT;
    const reply = answerQuery(records, message.questions, {
      knownAnswers: legacy ? [] : message.answers,
    });
    if (reply.answers.length === 0) return;
    if (legacy) {
      void this.#socket.send({
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
      if (!this.#active) return;
      void this.#socket.send({
        type: "response",
        answers: reply.answers,
        additionals: reply.additionals,
      }, to);
    };
    if (shared && !isProbe) {
      const spread = RESPONSE_MAX_DELAY_MS - RESPONSE_MIN_DELAY_MS + 1;
      this.#later(RESPONSE_MIN_DELAY_MS + Math.floor(this.#random() * spread), send);
    } else send();
  }
}
