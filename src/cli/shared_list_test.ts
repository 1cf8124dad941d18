import assert from "node:assert/strict";
import type { ServedFile } from "../peer/library.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { sharedOrigin, sharedRows } from "./shared_list.ts";

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
