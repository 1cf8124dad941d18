/**
 * Deadlines kept in time buckets, so that silent peers are found without a
 * timer per peer and without walking every peer: a deadline falls into the
 * bucket of its granularity step, a refresh moves the key between two
 * buckets (O(1)), and a sweep takes only the buckets that are due. Time is
 * passed in, so the rule is tested without waiting.
 *
 * @module
 */

/** Keys with deadlines, in buckets `granularityMs` wide. */
export class Deadlines<K> {
  #granularityMs: number;
  /** Key -> the bucket its deadline falls in. */
  #bucketOf = new Map<K, number>();
  /** Bucket number -> its keys; only buckets that hold keys exist. */
  #buckets = new Map<number, Set<K>>();

  /**
   * Empty. A key is reported at most `granularityMs` after its deadline
   * (plus the time between sweeps), never before.
   */
  constructor(granularityMs: number) {
    if (!(granularityMs > 0)) throw new RangeError("the granularity must be positive");
    this.#granularityMs = granularityMs;
  }

  /** Keys held. */
  get size(): number {
    return this.#bucketOf.size;
  }

  /** Sets (or moves) the deadline of `key` to `deadline` (milliseconds). */
  set(key: K, deadline: number): void {
    const bucket = Math.ceil(deadline / this.#granularityMs);
    const old = this.#bucketOf.get(key);
    if (old === bucket) return;
    if (old !== undefined) this.#leave(key, old);
    this.#bucketOf.set(key, bucket);
    let keys = this.#buckets.get(bucket);
    if (!keys) this.#buckets.set(bucket, keys = new Set());
    keys.add(key);
  }

  /** Forgets `key`; nothing when it has no deadline. */
  delete(key: K): void {
    const old = this.#bucketOf.get(key);
    if (old === undefined) return;
    this.#bucketOf.delete(key);
    this.#leave(key, old);
  }

  /**
   * Removes and returns the keys whose deadline has passed at `now`. Costs
   * the keys returned plus the buckets held (a timeout's worth of steps).
   */
  due(now: number): K[] {
    const current = Math.floor(now / this.#granularityMs);
    const due: K[] = [];
    for (const [bucket, keys] of this.#buckets) {
      if (bucket > current) continue;
      for (const key of keys) {
        this.#bucketOf.delete(key);
        due.push(key);
      }
      this.#buckets.delete(bucket);
    }
    return due;
  }

  #leave(key: K, bucket: number): void {
    const keys = this.#buckets.get(bucket)!;
    keys.delete(key);
    if (keys.size === 0) this.#buckets.delete(bucket);
  }
}
