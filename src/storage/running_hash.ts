/**
 * SHA-256 of a chunk taken while it arrives. Bytes just read from the
 * network are still in the CPU's cache; hashed there, in steps of
 * {@linkcode HASH_STEP_BYTES}, they cost less than the same bytes hashed
 * once the whole chunk is in (4 MiB does not fit in a core's cache), and no
 * worker has to be handed the chunk.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";

/**
 * Fewest new bytes hashed at a time: small enough to be still in a core's
 * cache, large enough that the calls cost nothing beside the hashing.
 */
export const HASH_STEP_BYTES = 64 * 1024;

/** A SHA-256 that follows a buffer as it fills from its start. */
export class RunningHash {
  #data: Uint8Array;
  #hash: Hash = createHash("sha256");
  #hashed = 0;

  /** A hash of `data`, whose bytes will arrive in order from its start. */
  constructor(data: Uint8Array) {
    this.#data = data;
  }

  /** Bytes hashed so far. */
  get hashed(): number {
    return this.#hashed;
  }

  /** Takes in what arrived, now that the first `filled` bytes of the buffer are in. */
  advance(filled: number): void {
    if (filled > this.#data.length || filled < this.#hashed) {
      throw new RangeError(`cannot hash up to ${filled} of ${this.#data.length} bytes`);
    }
    if (filled - this.#hashed < HASH_STEP_BYTES && filled < this.#data.length) return;
    this.#hash.update(this.#data.subarray(this.#hashed, filled));
    this.#hashed = filled;
  }

  /** Lowercase hex SHA-256 of the whole buffer, which must have arrived. */
  digest(): string {
    if (this.#hashed !== this.#data.length) {
      throw new Error(`only ${this.#hashed} of ${this.#data.length} bytes have arrived`);
    }
    return this.#hash.digest("hex");
  }
}
