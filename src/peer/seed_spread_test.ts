import assert from "node:assert/strict";
import { type SeedRequest, SeedSpread } from "./seed_spread.ts";

const HOLD_MS = 1_000;

function request(index: number, requester: string): SeedRequest {
  return { fileId: "f", chunkCount: 3, index, requester };
}

/** A send of chunk `index` to `requester` from `start` to `end` (ms). */
function sent(spread: SeedSpread, index: number, options: { to: string; end: number }): void {
  spread.start(request(index, options.to));
  spread.end(request(index, options.to), { now: options.end, ok: true });
}

Deno.test("a chunk going to one peer, and for the hold after, is declined to the others", () => {
  const spread = new SeedSpread({ holdMs: HOLD_MS });
  assert.equal(spread.declines(request(0, "a"), 0), false, "nothing sent yet");
  spread.start(request(0, "a"));
  assert.equal(spread.declines(request(0, "b"), 5_000), true, "while it goes, however long");
  spread.end(request(0, "a"), { now: 6_000, ok: true });
  assert.equal(spread.declines(request(0, "b"), 6_500), true);
  assert.equal(spread.declines(request(0, "a"), 6_500), false, "the same peer asking again");
  assert.equal(spread.declines(request(1, "b"), 6_500), false, "a chunk that never left");
  assert.equal(spread.declines({ ...request(0, "b"), fileId: "other" }, 6_500), false);
  assert.equal(spread.declines(request(0, "b"), 6_000 + HOLD_MS), false, "the hold is over");
});

Deno.test("a chunk sent again is held from its new send; a failed send holds nothing", () => {
  const spread = new SeedSpread({ holdMs: HOLD_MS });
  sent(spread, 0, { to: "a", end: 0 });
  sent(spread, 0, { to: "b", end: 900 });
  assert.equal(spread.declines(request(0, "a"), 1_500), true, "held from b's send");
  spread.start(request(1, "a"));
  spread.end(request(1, "a"), { now: 10, ok: false });
  assert.equal(spread.declines(request(1, "b"), 20), false);
});

Deno.test("once every chunk has left whole, nothing is declined any more", () => {
  const spread = new SeedSpread({ holdMs: HOLD_MS });
  sent(spread, 0, { to: "a", end: 0 });
  sent(spread, 1, { to: "b", end: 0 });
  spread.start(request(2, "c"));
  assert.equal(spread.declines(request(0, "c"), 1), true, "chunk 2 is still on its way");
  spread.end(request(2, "c"), { now: 1, ok: true });
  assert.equal(spread.declines(request(0, "c"), 2), false, "the end of a swarm is served");
  sent(spread, 1, { to: "a", end: 3 });
  assert.equal(spread.declines(request(1, "b"), 4), false);
});

Deno.test("a chunk whose receiver left is no longer held back; the others' holds stay", () => {
  const spread = new SeedSpread({ holdMs: HOLD_MS });
  sent(spread, 0, { to: "a", end: 0 });
  sent(spread, 1, { to: "b", end: 0 });
  assert.equal(spread.declines(request(0, "c"), 10), true);
  spread.left("a");
  assert.equal(spread.declines(request(0, "c"), 10), false, "a passes nothing on any more");
  assert.equal(spread.declines(request(1, "c"), 10), true, "b is still there");
  assert.equal(spread.declines(request(2, "c"), 10), false);
  spread.left("nobody");
  assert.equal(spread.declines(request(1, "c"), 10), true);
});
