/**
 * Reading packet captures in tests: wait for tcpdump to finish writing, and
 * look for bytes in what it wrote.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/** Time a capture file must stay the same size to be taken as complete. */
const CAPTURE_SETTLE_MS = 300;

/** Waits until the file at `path` has stopped growing (tcpdump has written what it saw). */
export async function settled(path: string): Promise<void> {
  let size = -1;
  while (true) {
    const now = (await Deno.stat(path)).size;
    if (now === size) return;
    size = now;
    await new Promise((resolve) => setTimeout(resolve, CAPTURE_SETTLE_MS));
  }
}

/** Whether `haystack` holds the bytes of `needle`. */
export function holds(haystack: Uint8Array, needle: string | Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).includes(needle);
}
