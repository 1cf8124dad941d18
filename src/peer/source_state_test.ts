import assert from "node:assert/strict";
import { INITIAL_WINDOW, MAX_WINDOW } from "./constants.ts";
import { Bitfield } from "../storage/bitfield.ts";
import {
  effectiveWindow,
  newSourceState,
  recordDelivery,
  recordStall,
  WINDOW_TARGET_MS,
} from "./source_state.ts";

Deno.test("windows grow with delivered chunks, halve on a stall, and stay bounded", () => {
  const state = newSourceState(Bitfield.full(64), 0);
  assert.equal(state.window, INITIAL_WINDOW);
  for (let i = 0; i < 40; i++) recordDelivery(state, 0);
  assert.equal(state.window, MAX_WINDOW);
  assert.equal(state.delivered, 40);
  recordStall(state);
  assert.equal(state.window, MAX_WINDOW / 2);
  assert.equal(state.stalled, true);
  for (let i = 0; i < 10; i++) recordStall(state);
  assert.equal(state.window, 1, "never below one request");
  recordDelivery(state, 0);
  assert.equal(state.stalled, false, "a delivery ends the stall");
});

Deno.test("a source's delivery interval is a running average of the gaps between deliveries", () => {
  const state = newSourceState(Bitfield.full(4), 2);
  assert.equal(state.badChunks, 2, "bad chunks sent before carry over");
  recordDelivery(state, 1_000);
  assert.equal(state.deliveryIntervalMs, undefined, "one delivery measures nothing");
  recordDelivery(state, 2_000);
  assert.equal(state.deliveryIntervalMs, 1_000);
  recordDelivery(state, 2_200);
  assert.equal(state.deliveryIntervalMs, 1_000 + 0.25 * (200 - 1_000));
  assert.equal(state.lastDeliveryAt, 2_200);
});

Deno.test("a slow peer's window shrinks to what it delivers in the target time; a fast one's does not", () => {
  const slow = newSourceState(Bitfield.full(64), 0);
  const fast = newSourceState(Bitfield.full(64), 0);
  for (let i = 0; i < 6; i++) {
    recordDelivery(slow, i * 2_000);
    recordDelivery(fast, i * 5);
  }
  assert.equal(slow.deliveryIntervalMs, 2_000);
  assert.equal(effectiveWindow(slow), 1);
  assert.equal(effectiveWindow(fast), Math.floor(fast.window));
  assert.ok(effectiveWindow(fast) > 1);
  const unmeasured = newSourceState(Bitfield.full(64), 0);
  assert.equal(effectiveWindow(unmeasured), INITIAL_WINDOW, "no speed cap before a measure");
  const paced = { ...newSourceState(Bitfield.full(64), 0), window: MAX_WINDOW };
  paced.deliveryIntervalMs = WINDOW_TARGET_MS / 3;
  assert.equal(effectiveWindow(paced), Math.min(MAX_WINDOW, 3));
});
