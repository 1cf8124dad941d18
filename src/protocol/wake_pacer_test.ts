import assert from "node:assert/strict";
import {
  CAUGHT_UP_MS,
  HOLD_BUDGET_BYTES,
  MAX_HOLD_MS,
  RATE_WINDOW_MS,
  WakePacer,
} from "./wake_pacer.ts";

/** A pacer on a fake clock that records its holds (which move the clock). */
function fakePacer() {
  const clock = { now: 0 };
  const holds: number[] = [];
  const pacer = new WakePacer({
    now: () => clock.now,
    hold: (ms) => {
      holds.push(ms);
      clock.now += ms;
    },
  });
  return { clock, holds, pacer };
}

/** Reads of `bytes` every `everyMs` for `forMs`, each having waited `waitedMs`. */
function readSteadily(
  fake: ReturnType<typeof fakePacer>,
  options: { bytes: number; everyMs: number; forMs: number; waitedMs: number },
): void {
  const end = fake.clock.now + options.forMs;
  while (fake.clock.now < end) {
    const startedAt = fake.clock.now;
    fake.clock.now += options.everyMs;
    fake.pacer.afterRead(options.bytes, startedAt + options.everyMs - options.waitedMs);
  }
}

Deno.test("a pacer does not hold before it knows the rate", () => {
  const fake = fakePacer();
  assert.deepEqual(fake.pacer.afterRead(16_384, -10), 0);
  assert.deepEqual(fake.holds, []);
});

Deno.test("a pacer holds on a slow link once a read has waited, then lets the thread run as long", () => {
  const fake = fakePacer();
  // 16 KiB a millisecond: 16 MB/s, a hold of the full 5 ms stays within the budget.
  readSteadily(fake, { bytes: 16_384, everyMs: 1, forMs: RATE_WINDOW_MS, waitedMs: 0 });
  assert.deepEqual(fake.holds, []);
  const startedAt = fake.clock.now;
  fake.clock.now += 1;
  assert.deepEqual(fake.pacer.afterRead(16_384, startedAt), MAX_HOLD_MS);
  // Right after a hold, none again until as long has passed.
  const next = fake.clock.now;
  fake.clock.now += 1;
  assert.deepEqual(fake.pacer.afterRead(16_384, next), 0);
  fake.clock.now += MAX_HOLD_MS;
  assert.deepEqual(fake.pacer.afterRead(16_384, fake.clock.now - 1), MAX_HOLD_MS);
});

Deno.test("a pacer does not hold after a read that did not wait", () => {
  const fake = fakePacer();
  readSteadily(fake, { bytes: 16_384, everyMs: 1, forMs: 3 * RATE_WINDOW_MS, waitedMs: 0.1 });
  assert.deepEqual(fake.holds, []);
  fake.clock.now += 1;
  assert.deepEqual(fake.pacer.afterRead(16_384, fake.clock.now - 2 * CAUGHT_UP_MS), MAX_HOLD_MS);
});

Deno.test("a pacer holds shorter as the link gets faster, and not at all on a fast one", () => {
  const fake = fakePacer();
  // 64 KiB a millisecond: the budget lasts 2 ms.
  readSteadily(fake, { bytes: 65_536, everyMs: 1, forMs: RATE_WINDOW_MS, waitedMs: 0 });
  fake.clock.now += 1;
  assert.deepEqual(fake.pacer.afterRead(65_536, fake.clock.now - 1), HOLD_BUDGET_BYTES / 65_536);
  // 1 MiB a millisecond, as on loopback: the budget would last under a millisecond.
  readSteadily(fake, { bytes: 1_048_576, everyMs: 1, forMs: 2 * RATE_WINDOW_MS, waitedMs: 0 });
  fake.holds.length = 0;
  readSteadily(fake, { bytes: 1_048_576, everyMs: 1, forMs: RATE_WINDOW_MS, waitedMs: 1 });
  assert.deepEqual(fake.holds, []);
});
