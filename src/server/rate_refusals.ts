/**
 * Requests refused over a connection's request rate, and the log lines
 * about them: the first refusal of a peer is logged at once, later ones are
 * counted and reported at most once per `RATE_LIMIT_LOG_INTERVAL_MS`, so a
 * flooding peer cannot flood the log too.
 *
 * @module
 */

import { RATE_LIMIT_LOG_INTERVAL_MS } from "./constants.ts";
import type { Logger } from "../log.ts";
import type { Connection } from "../protocol/connection.ts";
import type { RequestRateLimits } from "../protocol/request_rate.ts";

/** Refuses requests over the rate and logs the refusals, per peer, once per interval. */
export class RateRefusals {
  #limits: RequestRateLimits;
  #log: Logger;
  /** Peer ID -> when its last line was logged, and refusals since. */
  #logged = new Map<string, { at: number; since: number }>();

  /** Refusals of connections limited to `limits`, logged to `log`. */
  constructor(limits: RequestRateLimits, log: Logger) {
    this.#limits = limits;
    this.#log = log;
  }

  /**
   * Answers a request past the connection's rate with `rate-limited`,
   * unread; a notification (no numeric `id`) is dropped.
   */
  async refuse(connection: Connection, raw: Record<string, unknown>, now: number): Promise<void> {
    const peerId = connection.remoteId;
    const logged = this.#logged.get(peerId);
    if (logged) {
      logged.since++;
    } else {
      this.#log.warn(
        `peer ${peerId} (${connection.remote}) sends more than ${this.#limits.perSecond} ` +
          `requests a second: refusing the excess (counted once a minute from now on)`,
      );
      this.#logged.set(peerId, { at: now, since: 0 });
    }
    if (typeof raw.id !== "number") return;
    await connection.replyError(raw.id, {
      code: "rate-limited",
      message: `too many requests: the server takes ${this.#limits.perSecond} a second ` +
        `(bursts of ${this.#limits.burst}) from one peer; wait a moment and ask again`,
    });
  }

  /** Logs the refusals counted since each peer's last line, once its interval is over at `now`. */
  sweep(now: number): void {
    for (const [peerId, logged] of this.#logged) {
      if (now - logged.at < RATE_LIMIT_LOG_INTERVAL_MS) continue;
      if (logged.since === 0) {
        this.#logged.delete(peerId);
        continue;
      }
      this.#log.warn(`peer ${peerId}: ${logged.since} more requests refused over the rate`);
      this.#logged.set(peerId, { at: now, since: 0 });
    }
  }
}
