/**
 * Time limits on network work: a promise that rejects when it takes too
 * long, and the backoff between reconnections. Their failures are
 * {@linkcode TimeoutError}s (or the error a caller chooses), so callers tell
 * a silent peer from one that answered with an error without reading
 * messages.
 *
 * @module
 */

import { RECONNECT_MAX_DELAY_MS } from "../constants.ts";
import { RECONNECT_MIN_DELAY_MS } from "./constants.ts";

/** The other side did not answer in time: a connect, a request or any awaited step. */
export class TimeoutError extends Error {
  /** Creates the error; `message` says what did not finish in time. */
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** Rejects with a {@linkcode TimeoutError} "`what` timed out" if `promise` takes longer than `ms`. */
export function withTimeout<T>(
  promise: Promise<T>,
  options: { ms: number; what: string },
): Promise<T> {
  return raceTimer(promise, options.ms, () => new TimeoutError(`${options.what} timed out`));
}

/** The next reconnection delay after `previous` (0 at first): doubled, kept within bounds. */
export function nextBackoff(previous: number): number {
  return Math.min(RECONNECT_MAX_DELAY_MS, Math.max(RECONNECT_MIN_DELAY_MS, previous * 2));
}

/** `promise`, or a rejection with `failure()` if it takes longer than `ms`. */
export function raceTimer<T>(promise: Promise<T>, ms: number, failure: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Milliseconds from `now` until `deadline`, one at least: each step of work
 * bounded by one deadline gets what is left, and a late one still fails in time.
 */
export function timeLeft(deadline: number, now: number = Date.now()): number {
  return Math.max(1, deadline - now);
}
