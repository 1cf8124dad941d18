import assert from "node:assert/strict";
import { ProbeGate, ProbeQueue } from "./probe_gate.ts";

const limits = { running: 3, runningPerHost: 2, waiting: 4, waitMs: 1_000 };

Deno.test("probes start up to the caps in all and per IP, in order, and the rest wait their turn", () => {
  const queue = new ProbeQueue(limits);
  const [a1, a2, a3, b1] = ["a", "a", "a", "b"].map((host) => queue.enter(host, 0)!);
  assert.deepEqual(queue.start(), [a1, a2, b1], "a third to one IP waits; another IP's goes on");
  const c1 = queue.enter("c", 0)!;
  assert.deepEqual(queue.start(), [], "three at once in all");
  queue.done(b1);
  assert.deepEqual(queue.start(), [c1], "a freed slot goes to the first that may take it");
  queue.done(a1);
  assert.deepEqual(queue.start(), [a3]);
  assert.equal(queue.running, 3);
  queue.done(a1);
  assert.equal(queue.running, 3, "ending a ticket twice frees nothing more");
});

Deno.test("a full line refuses at once, and a probe that waits too long is dropped", () => {
  const queue = new ProbeQueue({ ...limits, running: 0 });
  const tickets = ["a", "b", "c", "d"].map((host, i) => queue.enter(host, i * 100));
  assert.equal(queue.enter("e", 0), undefined, "four waiting at most");
  assert.deepEqual(queue.expire(999), []);
  assert.deepEqual(queue.expire(1_100), tickets.slice(0, 2));
  assert.equal(queue.waiting, 2);
  assert.notEqual(queue.enter("e", 1_100), undefined, "room again");
});

Deno.test("the gate runs probes past its cap in turn, and skips one that cannot start in time", async () => {
  const gate = new ProbeGate({ running: 1, runningPerHost: 1, waiting: 10, waitMs: 50 });
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  const first = gate.run("a", async () => {
    await held;
    return true;
  });
  assert.equal(await gate.run("b", () => Promise.resolve(true)), undefined, "no turn in 50 ms");
  const third = gate.run("c", () => Promise.resolve("c ran"));
  release();
  assert.equal(await first, true);
  assert.equal(await third, "c ran", "its turn came when the first ended");
});
