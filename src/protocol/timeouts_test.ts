import assert from "node:assert/strict";
import { RECONNECT_MAX_DELAY_MS } from "../constants.ts";
import { RECONNECT_MIN_DELAY_MS } from "./constants.ts";
import { nextBackoff, raceTimer, timeLeft, TimeoutError, withTimeout } from "./timeouts.ts";

Deno.test("reconnection backs off exponentially up to a cap", () => {
  let delay = 0;
  const delays: number[] = [];
  for (let i = 0; i < 10; i++) delays.push(delay = nextBackoff(delay));
  assert.equal(delays[0], RECONNECT_MIN_DELAY_MS);
  assert.equal(delays[1], RECONNECT_MIN_DELAY_MS * 2);
  assert.equal(delays.at(-1), RECONNECT_MAX_DELAY_MS);
});

Deno.test("a promise that takes too long fails with a TimeoutError naming what waited", async () => {
  await assert.rejects(
    withTimeout(new Promise(() => {}), { ms: 10, what: "waiting" }),
    (error) => error instanceof TimeoutError && error.message === "waiting timed out",
  );
  assert.equal(await withTimeout(Promise.resolve(7), { ms: 10, what: "x" }), 7);
  await assert.rejects(withTimeout(Promise.reject(new Error("own")), { ms: 1000, what: "x" }), {
    message: "own",
  });
});

Deno.test("raceTimer rejects with the caller's own error when time runs out", async () => {
  await assert.rejects(raceTimer(new Promise(() => {}), 10, () => new RangeError("late")), {
    name: "RangeError",
    message: "late",
  });
  assert.equal(await raceTimer(Promise.resolve(7), 1_000, () => new Error("late")), 7);
});

Deno.test("steps under one deadline get what is left of it, a millisecond at least", () => {
  assert.equal(timeLeft(1_500, 1_000), 500);
  assert.equal(timeLeft(1_000, 1_000), 1);
  assert.equal(timeLeft(1_000, 2_000), 1);
});
