import assert from "node:assert/strict";
import { Waker } from "./waker.ts";

Deno.test("a sleep ends when woken, and a wake with no sleeper does nothing", async () => {
  const waker = new Waker();
  waker.wake();
  const started = Date.now();
  const slept = waker.sleep(60_000);
  waker.wake();
  await slept;
  assert.ok(Date.now() - started < 1000);
  await waker.sleep(1);
});
