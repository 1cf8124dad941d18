/**
 * The relay's limits as pure rules, time passed in: links held at once,
 * and byte budgets (per peer and in all) that say how long a relayed
 * stream must pause after passing bytes on.
 *
 * @module
 */

import { MS_PER_SECOND } from "../constants.ts";

/** What the relay allows. */
export interface RelayLimits {
  /** Bytes a second one peer's links may pass, in all. */
  peerBytesPerSecond: number;
  /** Bytes a second all links may pass. */
  totalBytesPerSecond: number;
  /** Links held at once (pending or spliced). */
  links: number;
  /** Links one peer may take part in at once. */
  linksPerPeer: number;
}

/** A byte bucket holding at most one second's worth, that may go into debt. */
class ByteBucket {
  #rate: number;
  #tokens: number;
  #at: number;

  constructor(rate: number, now: number) {
    this.#rate = rate;
    this.#tokens = rate;
    this.#at = now;
  }

  /** Takes `bytes` at `now`; the milliseconds to wait until the debt is paid. */
  take(bytes: number, now: number): number {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(this.#rate, this.#tokens + elapsed * this.#rate / MS_PER_SECOND) -
      bytes;
    return this.#tokens >= 0 ? 0 : -this.#tokens * MS_PER_SECOND / this.#rate;
  }

  /** True when full at `now` (nothing owed: it can be forgotten). */
  full(now: number): boolean {
    return this.#tokens + Math.max(0, now - this.#at) * this.#rate / MS_PER_SECOND >= this.#rate;
  }
}

/** The relay's budgets and its count of links. */
export class RelayBudget {
  #limits: RelayLimits;
  #total: ByteBucket;
  #peers = new Map<string, ByteBucket>();
  #links = 0;
  #linksOf = new Map<string, number>();

  /** Full budgets at `now` under `limits`. */
  constructor(limits: RelayLimits, now: number) {
    this.#limits = limits;
    this.#total = new ByteBucket(limits.totalBytesPerSecond, now);
  }

  /** Links held now. */
  get links(): number {
    return this.#links;
  }

  /**
   * Holds one more link between `peers`; false when the relay already holds
   * as many as it may, in all or for one of them.
   */
  openLink(peers: string[]): boolean {
    if (this.#links >= this.#limits.links) return false;
    const held = (peerId: string) => this.#linksOf.get(peerId) ?? 0;
    if (peers.some((peerId) => held(peerId) >= this.#limits.linksPerPeer)) return false;
    this.#links++;
    for (const peerId of peers) this.#linksOf.set(peerId, held(peerId) + 1);
    return true;
  }

  /** Lets a link between `peers` go. */
  closeLink(peers: string[]): void {
    this.#links = Math.max(0, this.#links - 1);
    for (const peerId of peers) {
      const left = (this.#linksOf.get(peerId) ?? 1) - 1;
      if (left > 0) this.#linksOf.set(peerId, left);
      else this.#linksOf.delete(peerId);
    }
  }

  /**
   * Counts `bytes` passed at `now` on a link between `peers`, against each
   * peer's budget and the total; the milliseconds that stream must pause.
   */
  pass(peers: string[], bytes: number, now: number): number {
    let wait = this.#total.take(bytes, now);
    for (const peerId of peers) {
      let bucket = this.#peers.get(peerId);
      if (!bucket) {
        bucket = new ByteBucket(this.#limits.peerBytesPerSecond, now);
        this.#peers.set(peerId, bucket);
      }
      wait = Math.max(wait, bucket.take(bytes, now));
    }
    for (const [peerId, bucket] of this.#peers) {
      if (!peers.includes(peerId) && bucket.full(now)) this.#peers.delete(peerId);
    }
    return wait;
  }
}
