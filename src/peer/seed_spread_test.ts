import assert from "node:assert/strict";
import { type SeedRequest, SeedSpread } from "./seed_spread.ts";

const HOLD_MS = 1_000;

function request(index: number, requester: string, now: number): SeedRequest {
  return { fileId: "f", chunkCount: 3, index, requester, now };
}

Deno.test("a chunk just sent to one peer is declined to the others for the hold", () => {
  const spread = new SeedSpread({ holdMs: HOLD_MS });
  assert.equal(spread.declines(request(0, "a", 0)), false, "nothing sent yet");
  spread.send(request(0, "a", 0));
  assert.equal(spread.declines(request(0, "b", 10)), true);
  assert.equal(spread.declines(request(0, "a", 10)), false, "the same peer asking again");
  assert.equal(spread.declines(request(1, "b", 10)), false, "a chunk that never left");
  assert.equal(spread.declines(request(0, "b", HOLD_MS)), false, "the hold is over");
  assert.equal(
    spread.declines({ ...request(0, "b", 10), fileId: "other" }),
    false,
    "another file",
  );
});

Deno.test("a chunk sent again is held from its new send", () => {
  const spread = new SeedSpread({ holdMs: HOLD_MS });
  spread.send(request(0, "a", 0));
  spread.send(request(0, "b", 900));
  assert.equal(spread.declines(request(0, "a", 1_500)), true, "held from b's send at 900");
  assert.equal(spread.declines(request(0, "c", 1_900)), false);
});

Deno.test("once every chunk has left, nothing is declined any more", () => {
  const spread = new SeedSpread({ holdMs: HOLD_MS });
  spread.send(request(0, "a", 0));
  spread.send(request(1, "b", 0));
  assert.equal(spread.declines(request(0, "c", 1)), true);
  spread.send(request(2, "c", 1));
  assert.equal(spread.declines(request(0, "c", 2)), false, "the end of a swarm is served");
  spread.send(request(1, "a", 3));
  assert.equal(spread.declines(request(1, "b", 4)), false);
});
