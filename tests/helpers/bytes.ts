/**
 * In-memory helpers for unit tests: random bytes of any size and a fake
 * byte channel.
 *
 * @module
 */

import type { ByteChannel } from "../../src/protocol/channel.ts";

/** Largest request `crypto.getRandomValues` accepts. */
const ENTROPY_LIMIT = 65_536;

/** `size` random bytes. */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += ENTROPY_LIMIT) {
    crypto.getRandomValues(bytes.subarray(offset, offset + ENTROPY_LIMIT));
  }
  return bytes;
}

/** Joins byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A channel that replays `bytes`, at most `step` bytes per read, and records
 * what is written to it, half a buffer per call (short writes).
 */
export function memoryChannel(
  bytes: Uint8Array,
  step = Infinity,
): ByteChannel & { written: Uint8Array[] } {
  let offset = 0;
  const written: Uint8Array[] = [];
  const addr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 1 };
  return {
    written,
    read(buffer) {
      if (offset >= bytes.length) return Promise.resolve(null);
      const count = Math.min(buffer.length, step, bytes.length - offset);
      buffer.set(bytes.subarray(offset, offset + count));
      offset += count;
      return Promise.resolve(count);
    },
    write(buffer) {
      const count = Math.max(1, Math.floor(buffer.length / 2));
      written.push(buffer.slice(0, count));
      return Promise.resolve(count);
    },
    close() {},
    remoteAddr: addr,
    localAddr: addr,
  };
}
