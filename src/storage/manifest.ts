/**
 * Manifests and content-addressed file IDs. The file ID is the SHA-256 of a
 * canonical binary encoding of (size, chunk size, chunk hashes): the same
 * bytes always get the same ID, whatever the file is called or who shares it.
 *
 * @module
 */

import { CHUNKS_BEFORE_LARGER, HASH_BYTES, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from "../constants.ts";
import type { Manifest } from "../protocol/messages.ts";

export type { Manifest };

/** Tag at the start of the canonical encoding, so the ID can never collide with another format. */
const CANONICAL_TAG = "p2pft-manifest-v1";
/** Tag at the start of a folder's canonical encoding. */
const FOLDER_TAG = "p2pft-folder-v1";
/** How each kind of folder entry is written in the canonical encoding. */
const ENTRY_KINDS = { file: 0, executable: 1, folder: 2 } as const;
const U64_BYTES = 8;
const U32_BYTES = 4;
/** Values a u32 holds. */
const U32_RANGE = 2 ** 32;
/** First code unit that UTF-8 encodes in more than one byte. */
const ASCII_END = 0x80;
/** Bytes of a folder entry before its path: kind (u8), size (u64), path length (u32). */
const ENTRY_HEAD_BYTES = 1 + U64_BYTES + U32_BYTES;

/**
 * The chunk size a file or folder of `size` bytes is cut into when shared:
 * {@linkcode MIN_CHUNK_SIZE}, doubled while that makes more than
 * {@linkcode CHUNKS_BEFORE_LARGER} chunks, up to {@linkcode MAX_CHUNK_SIZE}
 * (1 MiB up to 256 MiB, 2 MiB up to 512 MiB, 4 MiB above). The size is part
 * of the file ID, so the rule is part of the protocol: the same bytes shared
 * anywhere get the same ID.
 */
export function chunkSizeFor(size: number): number {
  let chunkSize = MIN_CHUNK_SIZE;
  while (chunkSize < MAX_CHUNK_SIZE && size > chunkSize * CHUNKS_BEFORE_LARGER) chunkSize *= 2;
  return chunkSize;
}

/** Number of chunks of a file of `size` bytes. */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/** Length in bytes of chunk `index` of the file `manifest` describes. */
export function chunkLength(manifest: Manifest, index: number): number {
  return Math.min(manifest.chunkSize, manifest.size - index * manifest.chunkSize);
}

/** Byte offset of chunk `index` in the file. */
export function chunkOffset(manifest: Manifest, index: number): number {
  return index * manifest.chunkSize;
}

/** Lowercase hex of `bytes` (the runtime's own codec). */
export function toHex(bytes: Uint8Array): string {
  return bytes.toHex();
}

/** Bytes of the lowercase or uppercase hex string `hex`; throws on anything else. */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.fromHex(hex);
}

/**
 * The canonical encoding of a manifest's content: the tag, size (u64 BE),
 * chunk size (u32 BE), chunk count (u32 BE), then the raw chunk hashes.
 * The name is deliberately left out.
 */
export function encodeCanonical(manifest: Omit<Manifest, "name">): Uint8Array {
  const tag = new TextEncoder().encode(CANONICAL_TAG);
  const count = manifest.chunkHashes.length;
  const out = new Uint8Array(tag.length + U64_BYTES + 2 * U32_BYTES + count * HASH_BYTES);
  const view = new DataView(out.buffer);
  out.set(tag, 0);
  let offset = tag.length;
  view.setBigUint64(offset, BigInt(manifest.size));
  offset += U64_BYTES;
  view.setUint32(offset, manifest.chunkSize);
  offset += U32_BYTES;
  view.setUint32(offset, count);
  offset += U32_BYTES;
  for (const hash of manifest.chunkHashes) {
    out.subarray(offset, offset + HASH_BYTES).setFromHex(hash);
    offset += HASH_BYTES;
  }
  return out;
}

/** SHA-256 of `data` as lowercase hex, computed with WebCrypto. */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  return toHex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>)),
  );
}

/** True when `manifest` describes a folder (it lists entries), not a file. */
export function isFolder(manifest: Omit<Manifest, "name">): boolean {
  return manifest.entries !== undefined;
}

/**
 * The canonical encoding of a folder manifest's content: the tag, size (u64
 * BE), chunk size (u32 BE), chunk count (u32 BE), entry count (u32 BE),
 * each entry (kind as u8: 0 file, 1 executable, 2 empty folder; size as u64
 * BE; path length as u32 BE; the path in UTF-8), then the raw chunk hashes
 * of the files' bytes one after another. The folder's name is left out.
 */
export function encodeFolderCanonical(manifest: Omit<Manifest, "name">): Uint8Array {
  const encoder = new TextEncoder();
  const entries = manifest.entries ?? [];
  const tag = encoder.encode(FOLDER_TAG);
  const count = manifest.chunkHashes.length;
  // Room for the longest encoding (3 bytes per UTF-16 unit); cut to what was written.
  const room = entries.reduce((sum, entry) => sum + ENTRY_HEAD_BYTES + 3 * entry.path.length, 0);
  const out = new Uint8Array(tag.length + U64_BYTES + 3 * U32_BYTES + room + count * HASH_BYTES);
  const view = new DataView(out.buffer);
  out.set(tag, 0);
  let offset = tag.length;
  view.setBigUint64(offset, BigInt(manifest.size));
  view.setUint32(offset + U64_BYTES, manifest.chunkSize);
  view.setUint32(offset + U64_BYTES + U32_BYTES, count);
  view.setUint32(offset + U64_BYTES + 2 * U32_BYTES, entries.length);
  offset += U64_BYTES + 3 * U32_BYTES;
  for (const entry of entries) {
    view.setUint8(offset, ENTRY_KINDS[entry.kind]);
    // The size as a u64 in two halves: no BigInt per entry.
    view.setUint32(offset + 1, Math.floor(entry.size / U32_RANGE));
    view.setUint32(offset + 1 + U32_BYTES, entry.size % U32_RANGE);
    const written = writeUtf8(entry.path, out, { at: offset + ENTRY_HEAD_BYTES, encoder });
    view.setUint32(offset + 1 + U64_BYTES, written);
    offset += ENTRY_HEAD_BYTES + written;
  }
  for (const hash of manifest.chunkHashes) {
    out.subarray(offset, offset + HASH_BYTES).setFromHex(hash);
    offset += HASH_BYTES;
  }
  return out.subarray(0, offset);
}

/**
 * Writes `text` as UTF-8 into `out` at `options.at`; returns the bytes
 * written. ASCII, the usual path, is copied a code unit at a time, without
 * a call to the encoder (about 2 ms of the 8-10 ms that a cold encoding of
 * 10,000 entries took).
 */
function writeUtf8(
  text: string,
  out: Uint8Array,
  options: { at: number; encoder: TextEncoder },
): number {
  const { at } = options;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= ASCII_END) return options.encoder.encodeInto(text, out.subarray(at)).written;
    out[at + i] = code;
  }
  return text.length;
}

/**
 * File IDs already computed, by manifest object. A manifest is never
 * changed once made, so a download checks the manifest its lookup checked
 * without hashing a 10,000-entry folder's again.
 */
const computed = new WeakMap<object, Promise<string>>();

/**
 * The file ID of the content a manifest describes (a folder's, when it
 * lists entries); computed once per manifest object.
 */
export function computeFileId(manifest: Omit<Manifest, "name">): Promise<string> {
  let fileId = computed.get(manifest);
  if (fileId === undefined) {
    fileId = sha256Hex(
      isFolder(manifest) ? encodeFolderCanonical(manifest) : encodeCanonical(manifest),
    );
    computed.set(manifest, fileId);
  }
  return fileId;
}
