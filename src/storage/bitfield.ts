/**
 * Which chunks of a file a peer holds, as a bitfield: bit i set means chunk i
 * is held, most significant bit first in each byte (as in BitTorrent).
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "./base64.ts";

const BITS_PER_BYTE = 8;
const TOP_BIT = 0x80;

/** A fixed-size set of chunk indexes. */
export class Bitfield {
  /** Number of chunks the field covers. */
  readonly size: number;
  #bytes: Uint8Array;
  #count = 0;

  /** An empty field for `size` chunks. */
  constructor(size: number) {
    this.size = size;
    this.#bytes = new Uint8Array(Math.ceil(size / BITS_PER_BYTE));
  }

  /** A field with every chunk set. */
  static full(size: number): Bitfield {
    const field = new Bitfield(size);
    for (let i = 0; i < size; i++) field.set(i);
    return field;
  }

  /** Decodes base64 from the wire; throws when it does not fit `size` chunks. */
  static fromBase64(text: string, size: number): Bitfield {
    const bytes = decodeBase64(text);
    if (bytes.length !== Math.ceil(size / BITS_PER_BYTE)) {
      throw new Error(`bitfield of ${bytes.length} bytes does not fit ${size} chunks`);
    }
    const field = new Bitfield(size);
    for (let i = 0; i < size; i++) {
      if (bytes[i >> 3] & (TOP_BIT >> (i & 7))) field.set(i);
    }
    return field;
  }

  /** True when chunk `index` is held. */
  has(index: number): boolean {
    return (this.#bytes[index >> 3] & (TOP_BIT >> (index & 7))) !== 0;
  }

  /** Marks chunk `index` as held. */
  set(index: number): void {
    if (index < 0 || index >= this.size) throw new RangeError(`chunk ${index} out of range`);
    if (this.has(index)) return;
    this.#bytes[index >> 3] |= TOP_BIT >> (index & 7);
    this.#count++;
  }

  /** Marks chunk `index` as not held. */
  clear(index: number): void {
    if (!this.has(index)) return;
    this.#bytes[index >> 3] &= ~(TOP_BIT >> (index & 7));
    this.#count--;
  }

  /** Number of chunks held. */
  get count(): number {
    return this.#count;
  }

  /** True when every chunk is held. */
  get complete(): boolean {
    return this.#count === this.size;
  }

  /** Indexes of the chunks held, ascending. */
  indexes(): number[] {
    const result: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.has(i)) result.push(i);
    return result;
  }

  /** Encodes the field as base64 for the wire. */
  toBase64(): string {
    return encodeBase64(this.#bytes);
  }
}
