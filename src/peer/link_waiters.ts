/**
 * Who waits on a server link, and when each wait ends: at registration, at
 * the registration's sending for those that only ask (read the index), or
 * with a failure once attempts keep failing past a fail-fast deadline
 * while a server merely slow to answer is waited for.
 *
 * @module
 */

import { withTimeout } from "../protocol/timeouts.ts";

/** Options of {@linkcode LinkWaiters.wait}. */
export interface LinkWaitOptions {
  /**
   * From this long on (default the whole wait), give up as soon as attempts
   * are failing (see {@linkcode LinkWaiters} `failing`).
   */
  failFastMs?: number;
  /** Resolve once the registration is sent, not answered. */
  asking?: boolean;
}

/** The waiters of one server link. */
export class LinkWaiters {
  #failing: () => boolean;
  #connected: (() => void)[] = [];
  #asking: (() => void)[] = [];
  /** Told of each failed attempt, so waiters that fail fast can give up. */
  #failure = new Set<() => void>();

  /** Waiters of a link for which `failing` says whether every recent attempt failed. */
  constructor(failing: () => boolean) {
    this.#failing = failing;
  }

  /**
   * Resolves when woken (registered, or `asking` and the registration sent);
   * rejects after `timeoutMs`, or from `failFastMs` on as soon as attempts
   * are failing (at that time or at the next failed attempt).
   */
  async wait(timeoutMs: number, options: LinkWaitOptions = {}): Promise<void> {
    const failFastMs = options.failFastMs ?? timeoutMs;
    const deadline = Date.now() + failFastMs;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const check = () => {
      if (this.#failing() && Date.now() >= deadline) reject(new Error("attempts are failing"));
    };
    const failFast = setTimeout(check, failFastMs);
    (options.asking ? this.#asking : this.#connected).push(resolve);
    this.#failure.add(check);
    try {
      await withTimeout(promise, { ms: timeoutMs, what: "connecting" });
    } finally {
      clearTimeout(failFast);
      this.#failure.delete(check);
    }
  }

  /** The registration is sent: requests that only read the index may go. */
  registering(): void {
    for (const waiter of this.#asking.splice(0)) waiter();
  }

  /** Resolves every waiter: registered, or the link failed for good. */
  wakeAll(): void {
    for (const waiter of this.#connected.splice(0)) waiter();
    this.registering();
  }

  /** An attempt failed: fail-fast waiters past their deadline give up. */
  attemptFailed(): void {
    for (const waiter of [...this.#failure]) waiter();
  }
}
