/**
 * A set that hands out random samples in time that follows the sample's
 * size, not the set's: values sit in an array (with each one's position in a
 * map, so removal swaps the last value into the hole), and a sample is a
 * partial Fisher-Yates shuffle of the array's front.
 *
 * @module
 */

/** A source of uniform random numbers in [0, 1), as `Math.random`. */
export type Random = () => number;

/** An unordered set of values that can be sampled at random. */
export class RandomBag<T> {
  #values: T[] = [];
  /**
   * Each value's position in `#values`; none while the bag is empty (an
   * index holds three bags per file, most of them empty).
   */
  #positions: Map<T, number> | undefined;

  /** Number of values held. */
  get size(): number {
    return this.#values.length;
  }

  /** True when `value` is held. */
  has(value: T): boolean {
    return this.#positions?.has(value) ?? false;
  }

  /** Adds `value` (once). */
  add(value: T): void {
    const positions = this.#positions ??= new Map();
    if (positions.has(value)) return;
    positions.set(value, this.#values.length);
    this.#values.push(value);
  }

  /** Removes `value`; false when it was not held. */
  delete(value: T): boolean {
    const positions = this.#positions;
    const position = positions?.get(value);
    if (positions === undefined || position === undefined) return false;
    const last = this.#values.pop()!;
    positions.delete(value);
    if (position < this.#values.length) {
      this.#values[position] = last;
      positions.set(last, position);
    }
    if (this.#values.length === 0) this.#positions = undefined;
    return true;
  }

  /** Every value, in no particular order. */
  values(): T[] {
    return [...this.#values];
  }

  /** `count` distinct values picked uniformly at random (all of them when there are fewer). */
  sample(count: number, random: Random): T[] {
    const values = this.#values;
    const n = Math.min(count, values.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(random() * (values.length - i));
      const picked = values[j];
      values[j] = values[i];
      values[i] = picked;
      this.#positions!.set(values[j], j);
      this.#positions!.set(picked, i);
    }
    return values.slice(0, n);
  }
}

/**
 * Up to `count` values from two bags, half from `first` and the rest from
 * `second`, each picked at random; a bag with too few values leaves its
 * share to the other.
 */
export function sampleMix<T>(
  bags: [first: RandomBag<T>, second: RandomBag<T>],
  options: { count: number; random: Random },
): T[] {
  const [first, second] = bags;
  const half = Math.ceil(options.count / 2);
  const fromSecond = Math.min(second.size, options.count - Math.min(first.size, half));
  const fromFirst = Math.min(first.size, options.count - fromSecond);
  return [...first.sample(fromFirst, options.random), ...second.sample(fromSecond, options.random)];
}
