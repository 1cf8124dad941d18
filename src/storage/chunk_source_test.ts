import assert from "node:assert/strict";
import { join } from "node:path";
import { randomBytes } from "../../tests/helpers/bytes.ts";
import { ChunkSource, SourceChangedError } from "./chunk_source.ts";
import { hashFile } from "./hash_file.ts";
import { tempDir } from "../test_dir.ts";

const CHUNK = 1024;

async function shared(dir: string) {
  const path = join(dir, "s.bin");
  const bytes = randomBytes(2 * CHUNK + 100);
  await Deno.writeFile(path, bytes);
  const hashed = await hashFile(path, { chunkSize: CHUNK });
  return { path, bytes, source: new ChunkSource(path, hashed) };
}

Deno.test("chunks are read straight from the shared file", async () => {
  await using dir = await tempDir();
  const { bytes, source } = await shared(dir.path);
  try {
    const last = new Uint8Array(100);
    await source.readChunk(2, last);
    assert.deepEqual(last, bytes.subarray(2 * CHUNK));
    const first = new Uint8Array(CHUNK);
    await source.readChunk(0, first);
    assert.deepEqual(first, bytes.subarray(0, CHUNK));
    await assert.rejects(source.readChunk(0, new Uint8Array(5)), RangeError);
  } finally {
    source.close();
  }
});

Deno.test("a modified, truncated or removed file is never served as intact", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  for (
    const [change, pattern] of [
      [(path: string) => Deno.utime(path, 1, 1), /was modified/],
      [(path: string) => Deno.truncate(path, 10), /changed size \(10 bytes now\)/],
      [(path: string) => Deno.remove(path), /was removed/],
    ] as const
  ) {
    const { path, source } = await shared(dir);
    await change(path);
    await assert.rejects(source.readChunk(0, new Uint8Array(CHUNK)), (error: Error) => {
      assert.ok(error instanceof SourceChangedError);
      assert.match(error.message, pattern);
      assert.match(error.message, /register it again/);
      return true;
    });
    source.close();
  }
});
