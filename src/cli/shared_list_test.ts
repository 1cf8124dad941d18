import assert from "node:assert/strict";
import { join } from "node:path";
import type { ServedFile } from "../peer/library.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { PeerState } from "../storage/peer_state.ts";
import { tempDir } from "../test_dir.ts";
import { rememberedItems, sharedOrigin, sharedRows, sharedTable } from "./shared_list.ts";

const manifest = { name: "big.iso", size: 4096, chunkSize: 1024, chunkHashes: Array(4).fill("") };

function served(options: Partial<ServedFile>): ServedFile {
  return {
    fileId: "ab".repeat(32),
    manifest,
    path: "/data/big.iso",
    chunks: undefined,
    record: undefined,
    read: () => Promise.resolve(),
    close: () => {},
    ...options,
  };
}

Deno.test("each shared item says where it comes from", () => {
  const record = { path: "/data/big.iso", fileId: "ab".repeat(32), mtimeMs: 0, manifest };
  assert.equal(sharedOrigin(served({ record: { ...record, origin: "downloaded" } })), "downloaded");
  assert.equal(sharedOrigin(served({ record })), "registered", "older records were registered");
  const chunks = new Bitfield(4);
  chunks.set(0);
  assert.equal(sharedOrigin(served({ chunks })), "downloading 25%");
});

Deno.test("the shared list shows ID, name, size, origin and path", () => {
  const folder = {
    ...manifest,
    name: "album",
    entries: [{ path: "a", kind: "file" as const, size: 4096 }],
  };
  assert.deepEqual(sharedRows([served({ manifest: folder, path: "/data/album" })]), [
    ["abababababab", "album/ (1 file)", "4.0 KiB", "registered", "/data/album"],
  ]);
});

Deno.test("the data folder's list: shares whole, then unfinished downloads with their share", async () => {
  await using dir = await tempDir();
  const state = await PeerState.open(dir.path);
  const hashed = { ...manifest, chunkHashes: Array(4).fill("e".repeat(64)) };
  const record = { path: "/data/big.iso", fileId: "ab".repeat(32), mtimeMs: 0, manifest: hashed };
  const other = { ...hashed, name: "song.bin" };
  try {
    await state.saveShared([{ ...record, origin: "downloaded" }]);
    await state.beginDownload({ fileId: "cd".repeat(32), manifest: other, path: "/o/song.bin" }, [
      2,
      0,
      2,
    ]);
  } finally {
    await state.close();
  }
  const items = await rememberedItems(dir.path);
  assert.deepEqual(sharedRows(items), [
    ["abababababab", "big.iso", "4.0 KiB", "downloaded", "/data/big.iso"],
    ["cdcdcdcdcdcd", "song.bin", "4.0 KiB", "unfinished 50%", "/o/song.bin.part"],
  ]);
  const table = sharedTable(items, "unused");
  assert.match(table[0], /^ID\s+NAME\s+SIZE\s+FROM\s+PATH$/);
  assert.equal(table.length, 3);
  assert.deepEqual(await rememberedItems(join(dir.path, "missing")), []);
  assert.deepEqual(sharedTable([], "-r PATH shares a file or folder"), [
    "this peer shares nothing yet; -r PATH shares a file or folder",
  ]);
});
