/**
 * A sorted list that stays cheap to change at any size: values live in
 * blocks of a few hundred, so adding or removing one moves at most a block's
 * worth of entries, never the whole list (a plain sorted array would move
 * 100,000 entries to insert one at its front). Finding a position costs a
 * walk over the blocks plus a binary search inside one.
 *
 * @module
 */

/** Values per block before it is split in two. */
const MAX_BLOCK = 1024;
/** A block shorter than this is merged into a neighbour, so blocks stay few. */
const MIN_BLOCK = MAX_BLOCK / 8;

/** Values kept in the order of `compare`; equal values are not told apart. */
export class SortedList<T> {
  #compare: (a: T, b: T) => number;
  #blocks: T[][] = [];
  #size = 0;

  /** An empty list ordered by `compare` (negative when `a` comes first). */
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  /** Number of values held. */
  get size(): number {
    return this.#size;
  }

  /** Adds `value` at its place. */
  add(value: T): void {
    if (this.#blocks.length === 0) {
      this.#blocks.push([value]);
      this.#size = 1;
      return;
    }
    const b = Math.min(this.#blockFor(value), this.#blocks.length - 1);
    const block = this.#blocks[b];
    block.splice(this.#lowerBound(block, value), 0, value);
    this.#size++;
    if (block.length > MAX_BLOCK) this.#blocks.splice(b + 1, 0, block.splice(MAX_BLOCK / 2));
  }

  /** Removes one value equal to `value` (by `compare`); false when there is none. */
  delete(value: T): boolean {
    const b = this.#blockFor(value);
    const block = this.#blocks[b];
    if (!block) return false;
    const i = this.#lowerBound(block, value);
    if (i === block.length || this.#compare(block[i], value) !== 0) return false;
    block.splice(i, 1);
    this.#size--;
    if (block.length < MIN_BLOCK) this.#mergeSmall(b);
    return true;
  }

  /** Number of values that come before `probe` (the index `probe` would be inserted at). */
  rank(probe: T): number {
    const b = this.#blockFor(probe);
    let before = 0;
    for (let i = 0; i < b; i++) before += this.#blocks[i].length;
    const block = this.#blocks[b];
    return block ? before + this.#lowerBound(block, probe) : before;
  }

  /** Up to `count` values from position `start` on. */
  slice(start: number, count: number): T[] {
    const result: T[] = [];
    let skip = Math.max(0, start);
    for (const block of this.#blocks) {
      if (result.length >= count) break;
      if (skip >= block.length) {
        skip -= block.length;
        continue;
      }
      const take = Math.min(block.length - skip, count - result.length);
      for (let i = skip; i < skip + take; i++) result.push(block[i]);
      skip = 0;
    }
    return result;
  }

  /** Index of the first block whose last value is not before `value` (the block count if none). */
  #blockFor(value: T): number {
    let low = 0;
    let high = this.#blocks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const block = this.#blocks[mid];
      if (this.#compare(block[block.length - 1], value) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #lowerBound(block: T[], value: T): number {
    let low = 0;
    let high = block.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#compare(block[mid], value) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #mergeSmall(b: number): void {
    const block = this.#blocks[b];
    if (block.length === 0) {
      this.#blocks.splice(b, 1);
      return;
    }
    const next = this.#blocks[b + 1];
    if (next && block.length + next.length <= MAX_BLOCK) {
      this.#blocks.splice(b, 2, block.concat(next));
    }
  }
}
