/**
 * Nameplates: the small numbers that start transfer codes. A sender (a
 * member of the network) claims one for the port it listens on; it is held
 * as long as the sender's connection stays open, at most
 * `MAX_NAMEPLATES_PER_ADDRESS` from one IPv4 address or IPv6 /64 (on an
 * `--open` network IDs cost nothing). Anyone who reaches the
 * server, a guest with only a code included, may resolve one to the
 * sender's address and ID, and nothing else: one `resolve` per guest
 * connection, at most `NAMEPLATE_RESOLVE_BURST` at once and
 * `NAMEPLATE_RESOLVES_PER_MINUTE` a minute from one IPv4 address or IPv6 /64.
 *
 * What a resolve tells: that someone sends, from which IP address and port,
 * under which ID; not what is sent, nor the code's words. A sender that
 * claimed over loopback (on the server's machine) is given to a guest from
 * elsewhere at the server's own address, as for peers (see seen_address.ts).
 *
 * @module
 */

import { HANDSHAKE_TIMEOUT_MS } from "../constants.ts";
import {
  MAX_NAMEPLATES,
  MAX_NAMEPLATES_PER_ADDRESS,
  MAX_NAMEPLATES_PER_SENDER,
  NAMEPLATE_RESOLVE_BURST,
  NAMEPLATE_RESOLVES_PER_MINUTE,
} from "./constants.ts";
import { errorMessage, type Logger } from "../log.ts";
import { addressGroup } from "../protocol/admission.ts";
import { formatHostPort } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import { ProtocolError } from "../protocol/frame.ts";
import { parseMessage } from "../protocol/messages.ts";
import { RequestRate, type RequestRateLimits } from "../protocol/request_rate.ts";
import { plainHost } from "../protocol/socket_channel.ts";
import { nameplateRequestSchema } from "../protocol/transfer_messages.ts";
import { addressFor, requesterLink } from "./seen_address.ts";
import { CodedError } from "../coded_error.ts";

/** Where a nameplate's sender listens, and the ID it proves there. */
export interface NameplateEntry {
  address: string;
  peerId: string;
}

/** Why a nameplate request failed: `code` (`not-found`, `rate-limited` or `over-limit`) goes on the wire. */
export class NameplateError extends CodedError {}

/** The limits of {@linkcode Nameplates}; the defaults are the constants. */
export interface NameplateLimits {
  /** Nameplates held at once in all. */
  total: number;
  /** Nameplates one sender may hold. */
  perSender: number;
  /** Nameplates held from one IPv4 address or IPv6 /64 (see `addressGroup`). */
  perAddress: number;
  /** How fast one IP address may resolve. */
  resolveRate: RequestRateLimits;
}

/** The resolve rate of one address: a burst, then so many a minute. */
export const DEFAULT_RESOLVE_RATE: RequestRateLimits = {
  perSecond: NAMEPLATE_RESOLVES_PER_MINUTE / 60,
  burst: NAMEPLATE_RESOLVE_BURST,
};

/** The nameplates held now, by number, and who holds them. Time is passed in. */
export class Nameplates {
  #held = new Map<number, { owner: object; entry: NameplateEntry; group: string }>();
  #owned = new Map<object, Set<number>>();
  #byGroup = new Map<string, number>();
  #rates = new Map<string, RequestRate>();
  #limits: NameplateLimits;

  /** No nameplates yet. */
  constructor(limits: Partial<NameplateLimits> = {}) {
    this.#limits = {
      total: limits.total ?? MAX_NAMEPLATES,
      perSender: limits.perSender ?? MAX_NAMEPLATES_PER_SENDER,
      perAddress: limits.perAddress ?? MAX_NAMEPLATES_PER_ADDRESS,
      resolveRate: limits.resolveRate ?? DEFAULT_RESOLVE_RATE,
    };
  }

  /** Whether `owner` holds any nameplate. */
  holds(owner: object): boolean {
    return (this.#owned.get(owner)?.size ?? 0) > 0;
  }

  /**
   * Gives `owner`, whose connection comes from IP address `host`, the lowest
   * free nameplate for `entry`; throws when a limit is reached.
   */
  claim(owner: object, entry: NameplateEntry, options: { host: string }): number {
    const owned = this.#owned.get(owner) ?? new Set<number>();
    if (owned.size >= this.#limits.perSender) {
      throw new NameplateError(
        "over-limit",
        `one sender may hold ${this.#limits.perSender} codes at once: stop another send first`,
      );
    }
    const group = addressGroup(options.host);
    const fromGroup = this.#byGroup.get(group) ?? 0;
    if (fromGroup >= this.#limits.perAddress) {
      throw new NameplateError(
        "over-limit",
        `this address holds ${this.#limits.perAddress} codes already: stop a send from it first, ` +
          `or ask the server's operator whether someone else on it holds them`,
      );
    }
    if (this.#held.size >= this.#limits.total) {
      throw new NameplateError(
        "over-limit",
        `the server holds ${this.#limits.total} codes already: try again later`,
      );
    }
    let nameplate = 1;
    while (this.#held.has(nameplate)) nameplate++;
    this.#held.set(nameplate, { owner, entry, group });
    this.#byGroup.set(group, fromGroup + 1);
    owned.add(nameplate);
    this.#owned.set(owner, owned);
    return nameplate;
  }

  /** Releases `nameplate` if `owner` holds it, or every nameplate of `owner` without one. */
  release(owner: object, nameplate?: number): void {
    const owned = this.#owned.get(owner);
    if (!owned) return;
    for (const number of nameplate === undefined ? [...owned] : [nameplate]) {
      const held = this.#held.get(number);
      if (held?.owner !== owner) continue;
      this.#held.delete(number);
      const left = (this.#byGroup.get(held.group) ?? 1) - 1;
      if (left > 0) this.#byGroup.set(held.group, left);
      else this.#byGroup.delete(held.group);
      owned.delete(number);
    }
    if (owned.size === 0) this.#owned.delete(owner);
  }

  /**
   * The sender of `nameplate`, for a request from IP address `host` at
   * `now`; throws `rate-limited` past the rate of the address (of its /64,
   * for IPv6: see `addressGroup`), `not-found` when
   * nobody holds it.
   */
  resolve(nameplate: number, options: { host: string; now: number }): NameplateEntry {
    const { now } = options;
    const group = addressGroup(options.host);
    let rate = this.#rates.get(group);
    if (!rate) {
      if (this.#rates.size >= this.#limits.total) this.#rates.clear();
      rate = new RequestRate(now, this.#limits.resolveRate);
      this.#rates.set(group, rate);
    }
    if (!rate.take(now)) {
      throw new NameplateError(
        "rate-limited",
        `too many codes tried from this address: wait a minute, then check the code with the sender`,
      );
    }
    const held = this.#held.get(nameplate);
    if (!held) {
      throw new NameplateError(
        "not-found",
        `no transfer with code number ${nameplate} on this server: its send stopped or its code ` +
          `expired, or the number is mistyped; ask the sender for the code again`,
      );
    }
    return held.entry;
  }
}

/**
 * Serves a guest (a dialer with a transfer code): one `resolve`, answered,
 * then the connection is closed. Anything else, or silence for the
 * handshake time, closes it too.
 */
export async function serveGuest(
  connection: Connection,
  options: { nameplates: Nameplates; log: Logger },
): Promise<void> {
  const timer = setTimeout(() => connection.close("no request in time"), HANDSHAKE_TIMEOUT_MS);
  try {
    await connection.run(async (raw) => {
      const message = parseMessage(nameplateRequestSchema, raw);
      if (message.t !== "resolve") {
        throw new ProtocolError(`a transfer code holder may only resolve nameplates`);
      }
      const host = plainHost((connection.channel.remoteAddr as Deno.NetAddr).hostname);
      try {
        const entry = options.nameplates.resolve(message.nameplate, { host, now: Date.now() });
        const address = addressFor(entry.address, requesterLink(connection.channel));
        await connection.reply(message.id, { ...entry, address });
      } catch (error) {
        if (!(error instanceof NameplateError)) throw error;
        if (error.code === "rate-limited") {
          options.log.warn(`${host} tries too many transfer codes: refusing them for a while`);
        }
        await connection.replyError(message.id, { code: error.code, message: error.message });
      }
      connection.close("resolved");
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Answers a member's `claim` or `release`; returns false when `raw` is
 * neither. The claimed address is the IP the connection comes from with the
 * port the sender names, as for `register`.
 */
export async function answerNameplateRequest(
  connection: Connection,
  raw: Record<string, unknown>,
  options: { nameplates: Nameplates; log: Logger },
): Promise<boolean> {
  if (raw.t !== "claim" && raw.t !== "release") return false;
  const message = parseMessage(nameplateRequestSchema, raw);
  if (message.t === "release") {
    options.nameplates.release(connection, message.nameplate);
    return true;
  }
  if (message.t !== "claim") return false;
  const observed = connection.channel.remoteAddr as Deno.NetAddr;
  const host = plainHost(observed.hostname);
  const address = formatHostPort(host, message.port);
  try {
    const nameplate = options.nameplates.claim(
      connection,
      { address, peerId: connection.remoteId },
      { host },
    );
    options.log.info(`sender ${connection.remoteId} at ${address} holds code number ${nameplate}`);
    await connection.reply(message.id, { nameplate });
  } catch (error) {
    const code = error instanceof NameplateError ? error.code : "bad-request";
    await connection.replyError(message.id, { code, message: errorMessage(error) });
  }
  return true;
}
