/**
 * A fair queue of uploads: at most `slots` run at once, and waiting
 * requests are served round-robin across the peers asking, so one greedy
 * downloader cannot starve the others.
 *
 * @module
 */

interface Waiter {
  grant(slot: number): void;
  reject(error: Error): void;
}

/** Upload slots with round-robin fairness between requesters. */
export class UploadQueue {
  #free: number[];
  /** Requester -> its waiters, in arrival order; the map's order is the round-robin order. */
  #waiting = new Map<string, Waiter[]>();

  /** A queue with `slots` slots, numbered 0 to slots - 1. */
  constructor(slots: number) {
    this.#free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    let count = 0;
    for (const list of this.#waiting.values()) count += list.length;
    return count;
  }

  /** Resolves to a slot number for `requester` once one is free. */
  acquire(requester: string, signal?: AbortSignal): Promise<number> {
    const slot = this.#free.pop();
    if (slot !== undefined && this.#waiting.size === 0) return Promise.resolve(slot);
    if (slot !== undefined) this.#free.push(slot);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, reject };
      const list = this.#waiting.get(requester) ?? [];
      list.push(waiter);
      this.#waiting.set(requester, list);
      signal?.addEventListener("abort", () => {
        const current = this.#waiting.get(requester);
        const at = current?.indexOf(waiter) ?? -1;
        if (at < 0) return;
        current!.splice(at, 1);
        if (current!.length === 0) this.#waiting.delete(requester);
        reject(new Error("upload request cancelled"));
      }, { once: true });
    });
  }

  /** Returns `slot`; the next requester in round-robin order gets it. */
  release(slot: number): void {
    const next = this.#waiting.entries().next();
    if (next.done) {
      this.#free.push(slot);
      return;
    }
    const [requester, list] = next.value;
    const waiter = list.shift()!;
    this.#waiting.delete(requester);
    if (list.length > 0) this.#waiting.set(requester, list);
    waiter.grant(slot);
  }
}
