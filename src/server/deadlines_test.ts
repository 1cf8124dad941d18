import assert from "node:assert/strict";
import { Deadlines } from "./deadlines.ts";

Deno.test("a key is due once its deadline has passed, never before", () => {
  const deadlines = new Deadlines<string>(1_000);
  deadlines.set("a", 15_000);
  deadlines.set("b", 15_001);
  assert.deepEqual(deadlines.due(14_999), []);
  assert.deepEqual(deadlines.due(15_000), ["a"]);
  assert.deepEqual(deadlines.due(15_999), []);
  assert.deepEqual(deadlines.due(16_000), ["b"], "late by at most one granularity step");
  assert.equal(deadlines.size, 0);
});

Deno.test("a refresh moves the deadline; a deleted key is never due", () => {
  const deadlines = new Deadlines<string>(1_000);
  deadlines.set("a", 5_000);
  deadlines.set("b", 5_000);
  deadlines.set("a", 20_000);
  deadlines.delete("b");
  deadlines.delete("missing");
  assert.deepEqual(deadlines.due(10_000), []);
  assert.equal(deadlines.size, 1);
  assert.deepEqual(deadlines.due(20_000), ["a"]);
});

Deno.test("a sweep after a long pause takes every bucket that came due", () => {
  const deadlines = new Deadlines<number>(100);
  for (let i = 0; i < 1_000; i++) deadlines.set(i, i * 10);
  const due = deadlines.due(5_000);
  assert.equal(due.length, 501);
  assert.equal(deadlines.size, 499);
  assert.deepEqual(deadlines.due(100_000).length, 499);
});

Deno.test("a day of refreshes keeps only the buckets of live deadlines", () => {
  const deadlines = new Deadlines<number>(1_000);
  let now = 0;
  for (; now < 86_400_000; now += 5_000) {
    for (let peer = 0; peer < 10; peer++) deadlines.set(peer, now + 15_000);
    assert.deepEqual(deadlines.due(now), []);
  }
  assert.equal(deadlines.size, 10);
  assert.deepEqual(deadlines.due(now + 15_000).length, 10);
});

Deno.test("a granularity that is not positive is refused", () => {
  assert.throws(() => new Deadlines(0), RangeError);
});
