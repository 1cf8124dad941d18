import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { CHUNKS_BEFORE_LARGER, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from "../constants.ts";
import {
  chunkCount,
  chunkLength,
  chunkOffset,
  chunkSizeFor,
  computeFileId,
  encodeCanonical,
  encodeFolderCanonical,
  fromHex,
  sha256Hex,
  toHex,
} from "./manifest.ts";

const MIB = 1024 * 1024;

Deno.test("chunk arithmetic at the edges", () => {
  assert.equal(chunkCount(0, MAX_CHUNK_SIZE), 0);
  assert.equal(chunkCount(1, MAX_CHUNK_SIZE), 1);
  assert.equal(chunkCount(MAX_CHUNK_SIZE, MAX_CHUNK_SIZE), 1);
  assert.equal(chunkCount(MAX_CHUNK_SIZE + 1, MAX_CHUNK_SIZE), 2);
  const manifest = { name: "x", size: 2 * MIB + 5, chunkSize: MIB, chunkHashes: ["", "", ""] };
  assert.deepEqual([0, 1, 2].map((i) => chunkLength(manifest, i)), [MIB, MIB, 5]);
  assert.equal(chunkOffset(manifest, 2), 2 * MIB);
});

Deno.test("the chunk size grows with the file, from 1 MiB to 4 MiB", () => {
  assert.equal(MIN_CHUNK_SIZE, MIB);
  const cases: [number, number][] = [
    [0, MIB],
    [1, MIB],
    [256 * MIB, MIB],
    [256 * MIB + 1, 2 * MIB],
    [512 * MIB, 2 * MIB],
    [512 * MIB + 1, 4 * MIB],
    [1024 * MIB, 4 * MIB],
    [2 ** 50, MAX_CHUNK_SIZE],
  ];
  for (const [size, chunkSize] of cases) assert.equal(chunkSizeFor(size), chunkSize, `${size}`);
  for (const [size] of cases.slice(0, -1)) {
    assert.ok(chunkCount(size, chunkSizeFor(size)) <= CHUNKS_BEFORE_LARGER, `${size}`);
  }
});

Deno.test("hex round-trips", () => {
  const bytes = new Uint8Array([0, 1, 127, 128, 255]);
  assert.equal(toHex(bytes), "00017f80ff");
  assert.deepEqual(fromHex("00017F80ff"), bytes);
});

Deno.test("the file ID is the SHA-256 of the documented canonical encoding", async () => {
  const hashes = [await sha256Hex(new Uint8Array([1])), await sha256Hex(new Uint8Array([2]))];
  const content = { size: 5, chunkSize: 4, chunkHashes: hashes };
  const expected = createHash("sha256");
  expected.update("p2pft-manifest-v1");
  const numbers = Buffer.alloc(16);
  numbers.writeBigUInt64BE(5n, 0);
  numbers.writeUInt32BE(4, 8);
  numbers.writeUInt32BE(2, 12);
  expected.update(numbers);
  for (const hash of hashes) expected.update(Buffer.from(hash, "hex"));
  assert.equal(await computeFileId(content), expected.digest("hex"));
});

Deno.test("the empty file has a fixed ID", async () => {
  const expected = createHash("sha256");
  expected.update("p2pft-manifest-v1");
  const numbers = Buffer.alloc(16);
  numbers.writeUInt32BE(MAX_CHUNK_SIZE, 8);
  expected.update(numbers);
  assert.equal(
    await computeFileId({ size: 0, chunkSize: MAX_CHUNK_SIZE, chunkHashes: [] }),
    expected.digest("hex"),
  );
});

Deno.test("the ID ignores the name and changes with the content", async () => {
  const hash = await sha256Hex(new Uint8Array([9]));
  const a = { name: "a.txt", size: 1, chunkSize: MAX_CHUNK_SIZE, chunkHashes: [hash] };
  const b = { ...a, name: "other name.bin" };
  assert.deepEqual(encodeCanonical(a), encodeCanonical(b));
  assert.equal(await computeFileId(a), await computeFileId(b));
  const changed = { ...a, chunkHashes: [await sha256Hex(new Uint8Array([8]))] };
  assert.notEqual(await computeFileId(a), await computeFileId(changed));
  assert.notEqual(await computeFileId(a), await computeFileId({ ...a, size: 2, chunkSize: 2 }));
});

Deno.test("a folder's ID covers its entries and differs from a file's with the same bytes", async () => {
  const hashes = ["ab".repeat(32)];
  const file = { size: 3, chunkSize: MAX_CHUNK_SIZE, chunkHashes: hashes };
  const folder = { ...file, entries: [{ path: "x", kind: "file" as const, size: 3 }] };
  const fileId = await computeFileId(file);
  const folderId = await computeFileId(folder);
  assert.notEqual(folderId, fileId);
  assert.equal(await computeFileId({ ...folder }), folderId);
  const renamed = { ...file, entries: [{ path: "y", kind: "file" as const, size: 3 }] };
  assert.notEqual(await computeFileId(renamed), folderId);
  const executable = { ...file, entries: [{ path: "x", kind: "executable" as const, size: 3 }] };
  assert.notEqual(await computeFileId(executable), folderId);
  // The encoding is pinned: this ID changes only with the format.
  assert.equal(folderId, "d2e35e07c2443d1d34509af694bbdcbf06face0a62ff4c76537d25f06e0f8231");
  assert.equal(
    toHex(encodeFolderCanonical(folder).subarray(0, 15)),
    toHex(new TextEncoder().encode("p2pft-folder-v1")),
  );
});

Deno.test("a folder entry is its kind, its size as a u64, its UTF-8 path's length, then the path", () => {
  const size = 2 ** 40 + 5;
  const path = "ü/日本 \u{1f600}";
  const folder = {
    size,
    chunkSize: MAX_CHUNK_SIZE,
    chunkHashes: Array(262_145).fill("cd".repeat(32)),
    entries: [{ path, kind: "executable" as const, size }],
  };
  const encoded = encodeFolderCanonical(folder);
  const utf8 = new TextEncoder().encode(path);
  const entry = encoded.subarray(15 + 8 + 4 + 4 + 4);
  const view = new DataView(entry.buffer, entry.byteOffset);
  assert.equal(view.getUint8(0), 1, "executable");
  assert.equal(view.getBigUint64(1), BigInt(size));
  assert.equal(view.getUint32(9), utf8.length);
  assert.deepEqual(entry.subarray(13, 13 + utf8.length), utf8);
  assert.equal(encoded.length, 15 + 8 + 12 + 13 + utf8.length + 262_145 * 32, "nothing more");
});

Deno.test("a manifest's ID is computed once per manifest object", async () => {
  const folder = {
    size: 3,
    chunkSize: MAX_CHUNK_SIZE,
    chunkHashes: ["ab".repeat(32)],
    entries: [{ path: "x", kind: "file" as const, size: 3 }],
  };
  const first = computeFileId(folder);
  assert.equal(computeFileId(folder), first, "the same promise, not a second hashing");
  assert.equal(await computeFileId(structuredClone(folder)), await first);
});

Deno.test("ASCII paths and paths that turn non-ASCII part way are written as UTF-8 alike", () => {
  const paths = ["a/plain.txt", "b/caf\u00e9", "c/x\u{1f600}y", "d"];
  const folder = {
    size: 0,
    chunkSize: MAX_CHUNK_SIZE,
    chunkHashes: [],
    entries: paths.map((path) => ({ path, kind: "file" as const, size: 0 })),
  };
  const encoded = encodeFolderCanonical(folder);
  let offset = 15 + 8 + 4 + 4 + 4;
  for (const path of paths) {
    const utf8 = new TextEncoder().encode(path);
    const view = new DataView(encoded.buffer, encoded.byteOffset + offset);
    assert.equal(view.getUint32(9), utf8.length, path);
    assert.deepEqual(encoded.subarray(offset + 13, offset + 13 + utf8.length), utf8, path);
    offset += 13 + utf8.length;
  }
  assert.equal(encoded.length, offset, "nothing more");
});
