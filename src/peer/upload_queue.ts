/**
 * A fair queue of uploads: at most `slots` run at once, at most
 * `perRequester` of them for one requester, and waiting requests are served
 * round-robin across the peers asking. One greedy downloader cannot starve
 * the others, and one that stops reading holds only its own share of slots
 * until its writes time out.
 *
 * @module
 */

interface Waiter {
  grant(slot: number): void;
  reject(error: Error): void;
}

/** Upload slots with round-robin fairness and a per-requester cap. */
export class UploadQueue {
  #free: number[];
  #perRequester: number;
  /** Requester -> its waiters, in arrival order; the map's order is the round-robin order. */
  #waiting = new Map<string, Waiter[]>();
  /** Slot -> the requester holding it. */
  #holders = new Map<number, string>();
  /** Requester -> slots it holds. */
  #held = new Map<string, number>();

  /** A queue with `slots` slots, numbered 0 to slots - 1, at most `perRequester` (default all) each. */
  constructor(slots: number, options: { perRequester?: number } = {}) {
    this.#free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
    this.#perRequester = options.perRequester ?? slots;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    let count = 0;
    for (const list of this.#waiting.values()) count += list.length;
    return count;
  }

  /** Resolves to a slot number for `requester` once one is free for it. */
  acquire(requester: string, signal?: AbortSignal): Promise<number> {
    // A free slot means every waiter is at its cap (release gives slots to
    // waiters first), so a requester under its cap may take it at once.
    if (this.#free.length > 0 && this.#mayHold(requester)) {
      return Promise.resolve(this.#grant(this.#free.pop()!, requester));
    }
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

  /** Returns `slot`; the next requester in round-robin order that may hold one more gets it. */
  release(slot: number): void {
    const holder = this.#holders.get(slot);
    this.#holders.delete(slot);
    if (holder !== undefined) {
      const left = (this.#held.get(holder) ?? 1) - 1;
      if (left === 0) this.#held.delete(holder);
      else this.#held.set(holder, left);
    }
    for (const [requester, list] of this.#waiting) {
      if (!this.#mayHold(requester)) continue;
      const waiter = list.shift()!;
      this.#waiting.delete(requester);
      if (list.length > 0) this.#waiting.set(requester, list);
      waiter.grant(this.#grant(slot, requester));
      return;
    }
    this.#free.push(slot);
  }

  #mayHold(requester: string): boolean {
    return (this.#held.get(requester) ?? 0) < this.#perRequester;
  }

  #grant(slot: number, requester: string): number {
    this.#holders.set(slot, requester);
    this.#held.set(requester, (this.#held.get(requester) ?? 0) + 1);
    return slot;
  }
}
