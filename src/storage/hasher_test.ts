import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { randomBytes } from "../../tests/helpers/bytes.ts";
import { answer } from "./hash_worker.ts";
import { ChunkHasher } from "./hasher.ts";

Deno.test("chunks hashed on the worker come back intact with their digest", async () => {
  const hasher = new ChunkHasher();
  try {
    const buffers = [randomBytes(1 << 20), randomBytes(1 << 20)];
    const expected = buffers.map((b) =>
      createHash("sha256").update(b.subarray(0, 1000)).digest("hex")
    );
    const copies = buffers.map((b) => b.slice());
    const results = await Promise.all(buffers.map((b) => hasher.hash(b.subarray(0, 1000))));
    assert.deepEqual(results.map((r) => r.hash), expected);
    results.forEach((result, i) => {
      assert.equal(result.data.length, 1000);
      assert.deepEqual(result.data, copies[i].subarray(0, 1000));
      assert.equal(result.data.buffer.byteLength, 1 << 20, "the whole buffer is handed back");
    });
    await assert.rejects(hasher.hash(randomBytes(8).subarray(1)), /offset 0/);
  } finally {
    hasher.close();
  }
});

Deno.test("the worker's handler hashes the requested prefix", () => {
  const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
  const result = answer({ id: 5, buffer, length: 2 });
  assert.equal(result.id, 5);
  assert.equal(result.hash, createHash("sha256").update(new Uint8Array([1, 2])).digest("hex"));
});

Deno.test("the worker starts with the first chunk, hashes it, and closes", async () => {
  const hasher = new ChunkHasher();
  try {
    const bytes = randomBytes(64);
    const result = await hasher.hash(bytes.slice());
    assert.equal(result.hash, createHash("sha256").update(bytes).digest("hex"));
  } finally {
    hasher.close();
  }
});
