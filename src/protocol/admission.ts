/**
 * Who a listener lets in, decided without I/O so the rule is tested alone.
 * A listener holds at most its connection limit (by default the process's
 * descriptor limit less a reserve); past it a newcomer is refused with a
 * message that says so (see `refuseSecure` in secure_channel.ts), as long as
 * few refusals are under way; past those it is dropped at once, so that a
 * flood costs neither descriptors nor memory.
 *
 * Failed `accept` calls themselves (EMFILE when the descriptors run out
 * anyway) never reach this code: the runtime's `node:net` listener retries
 * them after a delay that doubles from 5 ms to 1 s, so they cannot spin.
 *
 * @module
 */

import { MAX_CONNECTIONS_PER_ADDRESS } from "../constants.ts";
import { MAX_CONNECTIONS, REFUSAL_LOG_INTERVAL_MS } from "./constants.ts";
import type { Logger } from "../log.ts";
import { plainHost } from "./socket_channel.ts";

/** Descriptors kept free below the process limit: refusals, files, the relay, the runtime. */
export const DESCRIPTOR_RESERVE = 512;
/** Refusals under way at once; newcomers past them are dropped without a word. */
export const MAX_REFUSING = 256;
/** Fewest connections a limit derived from the descriptor limit allows. */
const MIN_DERIVED_LIMIT = 64;

/** Connections a listener holds at once, in all and from one address. */
export interface ConnectionLimits {
  total: number;
  perAddress: number;
}

/** What happens to a newcomer: served, refused with a message, or dropped at once. */
export type Admission = "serve" | "refuse" | "drop";

/** What a listener holds when a newcomer arrives. */
export interface Occupancy {
  /** Connections it serves (handshaking or past it). */
  open: number;
  /** Of those, from the newcomer's address. */
  fromAddress: number;
  /** Refusals under way. */
  refusing: number;
}

/**
 * What limits per address count in, for the IP address `host`: an IPv4
 * address alone (an IPv4-mapped one too), an IPv6 address by its /64
 * (`2001:db8:1:2::/64`), since a host picks addresses in its /64 at will and
 * one machine could otherwise pass for millions. A link-local address
 * (`fe80::/10`) counts alone: every machine on a link shares that /64.
 */
export function addressGroup(host: string): string {
  const plain = plainHost(host);
  if (!plain.includes(":")) return plain;
  const bare = plain.replace(/%.*$/, "").toLowerCase();
  const groupsOf = (part: string) =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => group.includes(".") ? ["0", "0"] : [group]);
  const [head, tail] = bare.split("::");
  const front = groupsOf(head);
  const back = tail === undefined ? [] : groupsOf(tail);
  const groups = tail === undefined
    ? front
    : [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back];
  const numbers = groups.map((group) => parseInt(group, 16) || 0);
  if ((numbers[0] & 0xffc0) === 0xfe80) return plain;
  return `${numbers.slice(0, 4).map((number) => number.toString(16)).join(":")}::/64`;
}

/** What to do with a newcomer, given what the listener holds and its limits. */
export function admit(held: Occupancy, limits: ConnectionLimits): Admission {
  if (held.open < limits.total && held.fromAddress < limits.perAddress) return "serve";
  return held.refusing < MAX_REFUSING ? "refuse" : "drop";
}

/** A connection as {@linkcode Admissions} sees it: something that says when it closes. */
export interface Closing {
  once(event: "close", listener: () => void): unknown;
}

/**
 * The connections a listener serves, counted in all and per address group
 * (see {@linkcode addressGroup}), and its refusals under way: what
 * {@linkcode admit} weighs each newcomer against. A connection counts until
 * it closes.
 */
export class Admissions<T extends Closing> {
  /** Connections served (let in, or adopted), until they close. */
  readonly served = new Set<T>();
  /** Refusals under way. */
  readonly refusing = new Set<T>();
  #limits: ConnectionLimits;
  #perAddress = new Map<string, number>();

  /** Admissions under `limits`. */
  constructor(limits: ConnectionLimits) {
    this.#limits = limits;
  }

  /**
   * What to do with `connection` from `host`. When it is served it counts,
   * in all and for its address group, until it closes; else `addressFull`
   * says whether its address group holds its own limit (rather than the
   * listener its limit in all).
   */
  admit(connection: T, host: string): { admission: Admission; addressFull: boolean } {
    const group = addressGroup(host);
    const count = this.#perAddress.get(group) ?? 0;
    const held = { open: this.served.size, fromAddress: count, refusing: this.refusing.size };
    const admission = admit(held, this.#limits);
    if (admission !== "serve") return { admission, addressFull: count >= this.#limits.perAddress };
    this.#perAddress.set(group, count + 1);
    this.adopt(connection);
    connection.once("close", () => {
      const left = (this.#perAddress.get(group) ?? 1) - 1;
      if (left === 0) this.#perAddress.delete(group);
      else this.#perAddress.set(group, left);
    });
    return { admission, addressFull: false };
  }

  /** Counts `connection` in all, not for an address (one handed over), until it closes. */
  adopt(connection: T): void {
    this.served.add(connection);
    connection.once("close", () => this.served.delete(connection));
  }

  /** Counts `connection` as a refusal under way until `ended` settles. */
  refuse(connection: T, ended: Promise<unknown>): void {
    this.refusing.add(connection);
    ended.finally(() => this.refusing.delete(connection));
  }
}

/**
 * The soft limit on open files, from the text of `/proc/self/limits`;
 * undefined when it is missing or unlimited.
 */
export function parseDescriptorLimit(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  if (!match || match[1] === "unlimited") return undefined;
  return Number(match[1]);
}

/**
 * The default connection limits: in all, the descriptor limit less
 * {@linkcode DESCRIPTOR_RESERVE} (`MAX_CONNECTIONS` when it is unknown), per
 * address `MAX_CONNECTIONS_PER_ADDRESS` (or the total, if lower).
 */
export function defaultLimits(descriptors: number | undefined): ConnectionLimits {
  const total = descriptors === undefined
    ? MAX_CONNECTIONS
    : Math.max(MIN_DERIVED_LIMIT, descriptors - DESCRIPTOR_RESERVE);
  return { total, perAddress: Math.min(total, MAX_CONNECTIONS_PER_ADDRESS) };
}

/** This process's default limits (see {@linkcode defaultLimits}). */
export function processLimits(): ConnectionLimits {
  let text = "";
  try {
    text = Deno.readTextFileSync("/proc/self/limits");
  } catch {
    // Not Linux, or no /proc: the fixed default.
  }
  return defaultLimits(parseDescriptorLimit(text));
}

/** The refusal sent to a newcomer past the limit: what happened and what to do. */
export function refusalReason(limits: ConnectionLimits, fromAddress: boolean): string {
  return fromAddress
    ? `too many connections from your address (the limit is ${limits.perAddress}): ` +
      `close some, or ask the operator to raise --max-per-address`
    : `the server holds its limit of ${limits.total} connections: try again later, or ask ` +
      `the operator to raise --max-connections`;
}

/**
 * Logs refused connections: the first of each kind of reason and address
 * group, then at most once per {@linkcode REFUSAL_LOG_INTERVAL_MS} with a
 * count of those since, so that a flood costs a line a minute.
 */
export class RefusalLog {
  #log: Logger;
  #now: () => number;
  #seen = new Map<string, { last: number; since: number }>();

  /** Logs to `log`'s warnings; `now` is the clock (default `Date.now`). */
  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  /** A connection from `host` refused for `reason`, of a `kind` that counts apart. */
  refused(host: string, reason: string, kind: string): void {
    const key = `${addressGroup(host)} ${kind}`;
    const now = this.#now();
    const seen = this.#seen.get(key);
    if (seen && now - seen.last < REFUSAL_LOG_INTERVAL_MS) {
      seen.since++;
      return;
    }
    const more = seen && seen.since > 0 ? ` (and ${seen.since} more times since)` : "";
    this.#log.warn(`refused connection from ${host}: ${reason}${more}`);
    this.#seen.set(key, { last: now, since: 0 });
    if (this.#seen.size > MAX_CONNECTIONS) this.#seen.clear();
  }
}
