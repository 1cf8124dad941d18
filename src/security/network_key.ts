/**
 * The network key: a 256-bit secret that makes a p2pft network members-only.
 * The server makes it at first start and keeps it in `network.key`; peers get
 * it from `--key`, `P2PFT_KEY` or `--key-file`. It never crosses the wire:
 * inside the TLS tunnel each side sends a member proof, an HMAC bound to both
 * identities, both fresh nonces and its own role, so a proof cannot be
 * replayed on another connection, relayed to another party, or reflected
 * back to its sender, and tells a listener or man in the middle nothing
 * about the key.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { decodeBase32, encodeBase32 } from "./base32.ts";
import { isId } from "./identity.ts";
import { lengthPrefixed } from "./transcript.ts";
import { readTextFileIfExists, writePrivateFile } from "./private_file.ts";

/** Length of a network key in bytes. */
export const NETWORK_KEY_BYTES = 32;

/** Fewest bytes a member-proof nonce may have. */
export const MIN_NONCE_BYTES = 16;

/** File name of the network key in the server's data folder. */
export const NETWORK_KEY_FILE = "network.key";

const KEY_PREFIX = "p2pft-";
const KEY_TEXT_LENGTH = KEY_PREFIX.length + 52;
const WHERE_TO_FIND_IT = "copy it from the server's start-up output or its data folder";
const PROOF_LABEL = "p2pft v2 member proof";
const FINGERPRINT_LABEL = "p2pft v2 key fingerprint";
const FINGERPRINT_LENGTH = 8;

/** Who sends a member proof: the side that opened the connection, or the side that accepted it. */
export type ProofRole = "dialer" | "listener";

/** What a member proof is bound to. Both sides build the same context from what they saw. */
export interface ProofContext {
  /** The side whose proof this is. */
  role: ProofRole;
  /** ID of the side that opened the connection, from its TLS certificate. */
  dialerId: string;
  /** ID of the side that accepted the connection, from its TLS certificate. */
  listenerId: string;
  /** Fresh random bytes the dialer sent on this connection (at least 16). */
  dialerNonce: Uint8Array;
  /** Fresh random bytes the listener sent on this connection (at least 16). */
  listenerNonce: Uint8Array;
}

/**
 * Makes a new network key in its text form: `p2pft-` followed by 32 random
 * bytes in lowercase base32 without padding (58 characters in all).
 */
export function generateNetworkKey(): string {
  return formatNetworkKey(crypto.getRandomValues(new Uint8Array(NETWORK_KEY_BYTES)));
}

/**
 * The 32 key bytes of a network key's text form, read with surrounding
 * whitespace ignored and in either case. Throws an error that says what is
 * wrong and where to find the right key.
 */
export function parseNetworkKey(text: string): Uint8Array {
  const decoded = decodeNetworkKey(text);
  if (typeof decoded === "string") {
    throw new Error(
      `not a network key: ${decoded}; a network key looks like ${KEY_PREFIX}… ` +
        `(${KEY_TEXT_LENGTH} characters); ${WHERE_TO_FIND_IT}`,
    );
  }
  return decoded;
}

/**
 * This side's proof that it knows `key`: HMAC-SHA-256 under a key derived
 * from it by HKDF-SHA-256 (empty salt, info "p2pft v2 member proof", 32
 * bytes), over six fields, each a 4-byte big-endian length and its bytes:
 * the label "p2pft v2 member proof", the role ("dialer" or "listener"), the
 * dialer's ID, the listener's ID (ASCII), the dialer's nonce and the
 * listener's nonce. Throws when an ID is not a full ID or a nonce is
 * shorter than 16 bytes.
 */
export async function memberProof(key: Uint8Array, context: ProofContext): Promise<Uint8Array> {
  const signature = await crypto.subtle.sign("HMAC", await proofKey(key), proofMessage(context));
  return new Uint8Array(signature);
}

/** Whether `proof` is the member proof for `key` and `context`, compared in constant time. */
export async function verifyMemberProof(
  key: Uint8Array,
  context: ProofContext,
  proof: Uint8Array,
): Promise<boolean> {
  const hmacKey = await proofKey(key);
  return await crypto.subtle.verify(
    "HMAC",
    hmacKey,
    proof as Uint8Array<ArrayBuffer>,
    proofMessage(context),
  );
}

/**
 * The server's network key, kept in `network.key` in `dir` (mode 0600),
 * made at first start (the folder too if missing). Returns its text form.
 */
export async function loadOrCreateNetworkKey(dir: string): Promise<string> {
  const path = join(dir, NETWORK_KEY_FILE);
  const text = await readTextFileIfExists(path);
  if (text === undefined) {
    await Deno.mkdir(dir, { recursive: true });
    const key = generateNetworkKey();
    await writePrivateFile(path, `${key}\n`);
    return key;
  }
  const decoded = decodeNetworkKey(text);
  if (typeof decoded === "string") {
    throw new Error(
      `${path} does not hold a network key: ${decoded}; restore it from a backup, ` +
        `or delete it to make a new key (every peer then needs the new key)`,
    );
  }
  return formatNetworkKey(decoded);
}

/** Reads the network key in the file `path` (as `--key-file` names it). */
export async function readKeyFile(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`key file ${path} does not exist; ${WHERE_TO_FIND_IT}, into that file`);
    }
    throw new Error(`cannot read key file ${path}: ${(error as Error).message}`);
  }
  try {
    return parseNetworkKey(text);
  } catch (error) {
    throw new Error(`key file ${path}: ${(error as Error).message}`);
  }
}

/**
 * A short public fingerprint of a network key (8 base32 characters of a
 * labelled SHA-256): shown so people can tell whether two sides hold the
 * same key without revealing it.
 */
export function keyFingerprint(key: Uint8Array): string {
  const digest = createHash("sha256").update(FINGERPRINT_LABEL).update(key).digest();
  return encodeBase32(new Uint8Array(digest)).slice(0, FINGERPRINT_LENGTH);
}

/** The key bytes of a network key's text form, or what is wrong with the text. */
function decodeNetworkKey(text: string): Uint8Array | string {
  const key = text.trim().toLowerCase();
  if (key === "") return "it is empty";
  if (!key.startsWith(KEY_PREFIX)) return `it does not start with ${KEY_PREFIX}`;
  if (key.length !== KEY_TEXT_LENGTH) {
    return `it has ${key.length} characters, not ${KEY_TEXT_LENGTH}`;
  }
  try {
    return decodeBase32(key.slice(KEY_PREFIX.length));
  } catch {
    return `it has characters other than a-z and 2-7 after ${KEY_PREFIX}, or a wrong last one`;
  }
}

/** The text form of 32 key bytes, as `generateNetworkKey` writes it (for a peer that remembers its key). */
export function formatNetworkKey(key: Uint8Array): string {
  checkKeyLength(key);
  return KEY_PREFIX + encodeBase32(key);
}

function checkKeyLength(key: Uint8Array): void {
  if (key.length !== NETWORK_KEY_BYTES) {
    throw new Error(`a network key has ${NETWORK_KEY_BYTES} bytes, not ${key.length}`);
  }
}

async function proofKey(key: Uint8Array): Promise<CryptoKey> {
  checkKeyLength(key);
  const material = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    "HKDF",
    false,
    ["deriveKey"],
  );
  return await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(),
      info: new TextEncoder().encode(PROOF_LABEL),
    },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

function proofMessage(context: ProofContext): Uint8Array<ArrayBuffer> {
  const { role, dialerId, listenerId, dialerNonce, listenerNonce } = context;
  if (role !== "dialer" && role !== "listener") throw new Error(`unknown proof role ${role}`);
  for (const id of [dialerId, listenerId]) {
    if (!isId(id)) throw new Error(`a member proof needs full IDs, not ${JSON.stringify(id)}`);
  }
  for (const nonce of [dialerNonce, listenerNonce]) {
    if (nonce.length < MIN_NONCE_BYTES) {
      throw new Error(`a member proof needs nonces of at least ${MIN_NONCE_BYTES} bytes`);
    }
  }
  const encoder = new TextEncoder();
  return lengthPrefixed([
    encoder.encode(PROOF_LABEL),
    encoder.encode(role),
    encoder.encode(dialerId),
    encoder.encode(listenerId),
    dialerNonce,
    listenerNonce,
  ]);
}
