import assert from "node:assert/strict";
import {
  BUSY_SHARE,
  HashPlacement,
  SAMPLE_MS,
  WORKER_MIN_REMAINING_BYTES,
} from "./hash_placement.ts";

/** Clocks moved by hand: wall time, and CPU time as a share of it. */
function clocks() {
  const state = { wall: 1000, cpu: 500 };
  return {
    state,
    clocks: { nowMs: () => state.wall, cpuMs: () => state.cpu },
    pass(ms: number, busy: number) {
      state.wall += ms;
      state.cpu += ms * busy;
    },
  };
}

const PLENTY = WORKER_MIN_REMAINING_BYTES * 4;

Deno.test("a download that keeps a core busy moves its hashing to the worker, for good", () => {
  const { clocks: c, pass } = clocks();
  const placement = new HashPlacement(c);
  assert.equal(placement.onWorker, false, "it starts hashing as chunks arrive");
  pass(SAMPLE_MS, BUSY_SHARE);
  placement.update(PLENTY);
  assert.equal(placement.onWorker, true);
  pass(SAMPLE_MS * 4, 0.1);
  placement.update(PLENTY);
  assert.equal(placement.onWorker, true, "once moved, it stays");
});

Deno.test("a download sharing busy cores keeps hashing as chunks arrive", () => {
  const { clocks: c, pass } = clocks();
  const placement = new HashPlacement(c);
  for (let i = 0; i < 20; i++) {
    pass(SAMPLE_MS, BUSY_SHARE - 0.05);
    placement.update(PLENTY);
  }
  assert.equal(placement.onWorker, false);
});

Deno.test("the load is judged over whole samples, not a chunk's burst", () => {
  const { clocks: c, pass } = clocks();
  const placement = new HashPlacement(c);
  pass(SAMPLE_MS / 5, 1);
  placement.update(PLENTY);
  assert.equal(placement.onWorker, false, "too short a time to judge");
  pass(SAMPLE_MS, 0.3);
  placement.update(PLENTY);
  assert.equal(placement.onWorker, false, "the burst counted with the calm after it");
  pass(SAMPLE_MS, 1);
  placement.update(PLENTY);
  assert.equal(placement.onWorker, true, "a new sample began after the last");
});

Deno.test("near its end a busy download does not start the worker", () => {
  const { clocks: c, pass } = clocks();
  const placement = new HashPlacement(c);
  pass(SAMPLE_MS, 1);
  placement.update(WORKER_MIN_REMAINING_BYTES - 1);
  assert.equal(placement.onWorker, false);
});
