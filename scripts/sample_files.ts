/**
 * Files for the demo and the tests: seeded pseudo-random content that any
 * run can make again, and a SHA-256 to tell whether two copies are the same
 * (node:crypto, independent of the code under test).
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Bytes generated (and hashed) per step. */
const BLOCK_BYTES = 1 << 20;

/** Bytes read per step when hashing. */
const HASH_READ_BYTES = 1 << 22;

/**
 * Writes `size` pseudo-random bytes to `path`: an xorshift32 stream from
 * `seed` (default 1), so the same seed always makes the same file.
 */
export async function writeRandomFile(
  path: string,
  size: number,
  options: { seed?: number } = {},
): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(Math.min(size, BLOCK_BYTES));
  let state = (options.seed ?? 1) >>> 0 || 1;
  let written = 0;
  try {
    while (written < size) {
      for (let i = 0; i < block.length; i += 4) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        block[i] = state & 0xff;
        block[i + 1] = (state >>> 8) & 0xff;
        block[i + 2] = (state >>> 16) & 0xff;
        block[i + 3] = (state >>> 24) & 0xff;
      }
      const take = Math.min(block.length, size - written);
      let offset = 0;
      while (offset < take) offset += await file.write(block.subarray(offset, take));
      written += take;
    }
  } finally {
    file.close();
  }
}

/** SHA-256 of a whole file, as hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path);
  const buffer = new Uint8Array(HASH_READ_BYTES);
  try {
    while (true) {
      const count = await file.read(buffer);
      if (count === null) break;
      hash.update(buffer.subarray(0, count));
    }
  } finally {
    file.close();
  }
  return hash.digest("hex");
}
