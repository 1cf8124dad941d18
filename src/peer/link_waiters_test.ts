import assert from "node:assert/strict";
import { LinkWaiters } from "./link_waiters.ts";

Deno.test("a wait ends when the link registers; an asking wait as soon as it is sent", async () => {
  const waiters = new LinkWaiters(() => false);
  const ended: string[] = [];
  const connected = waiters.wait(5_000).then(() => ended.push("connected"));
  const asking = waiters.wait(5_000, { asking: true }).then(() => ended.push("asking"));
  waiters.registering();
  await asking;
  assert.deepEqual(ended, ["asking"]);
  waiters.wakeAll();
  await connected;
  assert.deepEqual(ended, ["asking", "connected"]);
});

Deno.test("a wait gives up after its time", async () => {
  const waiters = new LinkWaiters(() => false);
  await assert.rejects(waiters.wait(20), /connecting timed out/);
});

Deno.test("a fail-fast wait gives up at its deadline while attempts fail, not before", async () => {
  let failing = true;
  const waiters = new LinkWaiters(() => failing);
  const started = Date.now();
  await assert.rejects(waiters.wait(10_000, { failFastMs: 50 }));
  const waited = Date.now() - started;
  assert.ok(waited >= 45 && waited < 5_000, `gave up after ${waited} ms`);
  failing = false;
  const slow = waiters.wait(10_000, { failFastMs: 20 });
  await new Promise((resolve) => setTimeout(resolve, 60));
  waiters.attemptFailed();
  waiters.wakeAll();
  await slow;
});

Deno.test("a fail-fast wait past its deadline gives up at the next failed attempt", async () => {
  let failing = false;
  const waiters = new LinkWaiters(() => failing);
  const wait = waiters.wait(10_000, { failFastMs: 20 });
  const outcome = wait.then(() => "resolved", () => "rejected");
  await new Promise((resolve) => setTimeout(resolve, 60));
  failing = true;
  waiters.attemptFailed();
  assert.equal(await outcome, "rejected");
});
