import assert from "node:assert/strict";
import { BufferPool } from "./buffer_pool.ts";

Deno.test("the pool hands out at most its budget and reuses what comes back", () => {
  const pool = new BufferPool(2, 8);
  const a = pool.take()!;
  const b = pool.take()!;
  assert.equal(pool.take(), undefined);
  assert.equal(pool.available, 0);
  let woken = 0;
  const stop = pool.onRelease(() => woken++);
  pool.give(a.subarray(0, 3));
  assert.equal(woken, 1);
  const again = pool.take()!;
  assert.equal(again.buffer, a.buffer, "the same memory is reused");
  assert.equal(again.length, 8, "the whole buffer comes back");
  stop();
  pool.give(b);
  assert.equal(woken, 1);
});

Deno.test("a buffer lost to a transfer frees its place in the budget", () => {
  const pool = new BufferPool(1, 8);
  const buffer = pool.take()!;
  (buffer.buffer as ArrayBuffer).transfer();
  pool.give(buffer);
  assert.equal(pool.available, 1);
  assert.equal(pool.take()!.length, 8);
});
