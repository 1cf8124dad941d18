/**
 * A token bucket: how many requests one connection may send the server or a
 * chunk port. It
 * holds up to `burst` tokens, gains `perSecond` of them each second, and
 * each request takes one; a request that finds it empty is refused. Time is
 * passed in, so the rule is tested without waiting.
 *
 * @module
 */

import { MAX_REQUEST_BURST, MAX_REQUESTS_PER_SECOND, MS_PER_SECOND } from "../constants.ts";

/** How fast requests may come: `perSecond` on average, `burst` at once. */
export interface RequestRateLimits {
  perSecond: number;
  burst: number;
}

/** The default limits: `MAX_REQUESTS_PER_SECOND`, burst `MAX_REQUEST_BURST`. */
export const DEFAULT_REQUEST_RATE: RequestRateLimits = {
  perSecond: MAX_REQUESTS_PER_SECOND,
  burst: MAX_REQUEST_BURST,
};

/** The request allowance of one connection. */
export class RequestRate {
  #limits: RequestRateLimits;
  #tokens: number;
  #at: number;

  /** A full bucket at time `now` (milliseconds). */
  constructor(now: number, limits: RequestRateLimits = DEFAULT_REQUEST_RATE) {
    this.#limits = limits;
    this.#tokens = limits.burst;
    this.#at = now;
  }

  /** Takes a token for a request at `now`; false when none is left (the request is refused). */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    const { perSecond, burst } = this.#limits;
    this.#tokens = Math.min(burst, this.#tokens + elapsed * perSecond / MS_PER_SECOND);
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}
