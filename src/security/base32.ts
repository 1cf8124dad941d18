/**
 * Lowercase RFC 4648 base32 without padding, the text form of peer IDs and
 * network keys: case-insensitive for people, no characters that need
 * escaping in file names, URLs or DNS-SD TXT records. The codec is
 * `@scure/base` (audited, no dependencies); it rejects non-canonical text
 * (non-zero padding bits), so one value has exactly one text form.
 *
 * @module
 */

import { base32nopad } from "@scure/base";

/** Encodes bytes as lowercase base32 without padding. */
export function encodeBase32(bytes: Uint8Array): string {
  return base32nopad.encode(bytes).toLowerCase();
}

/**
 * Decodes lowercase base32 without padding; throws on any other character
 * and on non-canonical text. Callers that accept either case lowercase first.
 */
export function decodeBase32(text: string): Uint8Array {
  if (!/^[a-z2-7]*$/.test(text)) throw new Error("invalid base32: only a-z and 2-7 are allowed");
  try {
    return base32nopad.decode(text.toUpperCase());
  } catch {
    throw new Error("invalid base32: the length or the last character is wrong");
  }
}
