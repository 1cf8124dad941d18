/**
 * CPace, a balanced password-authenticated key exchange
 * (draft-irtf-cfrg-cpace), in its cipher suite CPACE-RISTR255-SHA512:
 * ristretto255 from `@noble/curves`, SHA-512 from `node:crypto`. Two sides
 * that know the same low-entropy password each send one 32-byte share and
 * derive the same intermediate session key (ISK); someone who watches, or
 * even runs one side without the password, learns one guess per run and
 * nothing to test guesses with offline.
 *
 * The initiator/responder form is used: the transcript is MSGa || MSGb.
 * Explicit key confirmation follows the draft's suggestion: mac_key =
 * SHA-512("CPaceMac" || ISK), and each side's tag is HMAC-SHA-512(mac_key,
 * the message it sent). Callers bind the two parties' identities in the
 * channel identifier CI and both sides' fresh nonces in the session ID sid,
 * so a key agreed through a relay that presents another identity differs.
 *
 * @module
 */

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ristretto255, ristretto255_hasher } from "@noble/curves/ed25519.js";

/** Domain separation identifier of the ristretto255 group. */
const DSI = "CPaceRistretto255";
/** Input block size of SHA-512, in bytes (the generator string's padding fills it). */
const SHA512_BLOCK_BYTES = 128;
/** Bytes of an encoded ristretto255 element, and of a scalar. */
export const CPACE_ELEMENT_BYTES = 32;
/** Bits kept of a sampled scalar (the group order is a little above 2^252). */
const SCALAR_BITS = 252;
const encoder = new TextEncoder();

/** What both sides must agree on besides the password. */
export interface CpaceContext {
  /** Channel identifier: public, e.g. both parties' identities. */
  channel: Uint8Array;
  /** Session ID: public and fresh, e.g. random bytes from both sides. */
  session: Uint8Array;
}

/** One side's share, kept until the other side's message arrives. */
export interface CpaceShare {
  /** The message to send: prefix_free_cat(Y, AD). */
  message: Uint8Array;
  /** The secret scalar. */
  scalar: bigint;
}

/** The other side's message is malformed or its share is the neutral element: abort. */
export class CpaceError extends Error {
  /** Creates the error naming what was wrong. */
  constructor(message: string) {
    super(message);
    this.name = "CpaceError";
  }
}

/** `data` with its length in LEB128 in front (the draft's prepend_len). */
export function prependLength(data: Uint8Array): Uint8Array {
  const length: number[] = [];
  let rest = data.length;
  do {
    length.push(rest < 0x80 ? rest : (rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  } while (rest > 0);
  const result = new Uint8Array(length.length + data.length);
  result.set(length);
  result.set(data, length.length);
  return result;
}

/** Each field with its length in front, one after another (the draft's prefix_free_cat). */
export function prefixFreeCat(...fields: Uint8Array[]): Uint8Array {
  return concat(...fields.map(prependLength));
}

/**
 * The fields of a prefix-free encoding; throws {@linkcode CpaceError} when
 * the lengths do not add up to the whole message.
 */
export function splitPrefixFree(message: Uint8Array): Uint8Array[] {
  const fields: Uint8Array[] = [];
  let offset = 0;
  while (offset < message.length) {
    let length = 0;
    let scale = 1;
    while (true) {
      if (offset >= message.length || scale > 2 ** 28) {
        throw new CpaceError("malformed message: a length field runs past its end");
      }
      const byte = message[offset++];
      length += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) break;
    }
    if (offset + length > message.length) {
      throw new CpaceError("malformed message: a field is longer than the message");
    }
    fields.push(message.subarray(offset, offset + length));
    offset += length;
  }
  return fields;
}

/** The generator string: DSI, password, zero padding filling the first block, CI, sid. */
export function generatorString(password: Uint8Array, context: CpaceContext): Uint8Array {
  const dsi = encoder.encode(DSI);
  const padding = Math.max(
    0,
    SHA512_BLOCK_BYTES - 1 - prependLength(password).length - prependLength(dsi).length,
  );
  return prefixFreeCat(dsi, password, new Uint8Array(padding), context.channel, context.session);
}

/** The secret generator of `password` in `context`: the one-way map of SHA-512 of its string. */
export function cpaceGenerator(password: Uint8Array, context: CpaceContext) {
  const hash = createHash("sha512").update(generatorString(password, context)).digest();
  return ristretto255_hasher.deriveToCurve!(new Uint8Array(hash));
}

/**
 * This side's share: a fresh scalar y (or `options.scalar`, little-endian,
 * for test vectors) and the message prefix_free_cat(g^y, `options.data`).
 */
export function cpaceShare(
  password: Uint8Array,
  context: CpaceContext,
  options: { data?: Uint8Array; scalar?: Uint8Array } = {},
): CpaceShare {
  const scalar = options.scalar ? littleEndian(options.scalar) : sampleScalar();
  const share = cpaceGenerator(password, context).multiply(scalar).toBytes();
  return { message: prefixFreeCat(share, options.data ?? new Uint8Array()), scalar };
}

/**
 * The intermediate session key (64 bytes) from our share and the other
 * side's message; `initiator` says whose message comes first in the
 * transcript. Throws {@linkcode CpaceError} when their message is malformed,
 * its element does not decode, or the shared element is the identity.
 */
export function cpaceKey(
  ours: CpaceShare,
  theirs: Uint8Array,
  options: { context: CpaceContext; initiator: boolean },
): Uint8Array {
  const fields = splitPrefixFree(theirs);
  if (fields.length !== 2 || fields[0].length !== CPACE_ELEMENT_BYTES) {
    throw new CpaceError("malformed message: expected a 32-byte share and associated data");
  }
  let shared: Uint8Array;
  try {
    const element = ristretto255.Point.fromBytes(fields[0]);
    if (element.is0()) throw new CpaceError("the other side's share is the neutral element");
    shared = element.multiply(ours.scalar).toBytes();
  } catch (error) {
    if (error instanceof CpaceError) throw error;
    throw new CpaceError("the other side's share is not a ristretto255 element");
  }
  const transcript = options.initiator
    ? concat(ours.message, theirs)
    : concat(theirs, ours.message);
  const prefix = prefixFreeCat(encoder.encode(`${DSI}_ISK`), options.context.session, shared);
  return new Uint8Array(createHash("sha512").update(prefix).update(transcript).digest());
}

/** The confirmation tag over `message` (the one this side sent) under `key`, the ISK. */
export function confirmationTag(key: Uint8Array, message: Uint8Array): Uint8Array {
  const macKey = createHash("sha512").update("CPaceMac").update(key).digest();
  return new Uint8Array(createHmac("sha512", macKey).update(message).digest());
}

/** Whether `tag` confirms `message` under `key`, compared in constant time. */
export function checkConfirmation(
  key: Uint8Array,
  options: { message: Uint8Array; tag: Uint8Array },
): boolean {
  const expected = confirmationTag(key, options.message);
  return options.tag.length === expected.length && timingSafeEqual(options.tag, expected);
}

/** A uniformly random scalar of 252 bits (the draft's recommended sampling), never zero. */
function sampleScalar(): bigint {
  while (true) {
    const bytes = crypto.getRandomValues(new Uint8Array(CPACE_ELEMENT_BYTES));
    bytes[CPACE_ELEMENT_BYTES - 1] &= (1 << (SCALAR_BITS % 8)) - 1;
    const scalar = littleEndian(bytes);
    if (scalar !== 0n) return scalar;
  }
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let index = bytes.length - 1; index >= 0; index--) {
    value = (value << 8n) | BigInt(bytes[index]);
  }
  return value;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}
