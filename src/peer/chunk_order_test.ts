import assert from "node:assert/strict";
import { type ChunkOrderOptions, pickChunk } from "./chunk_order.ts";

function options(more: Partial<ChunkOrderOptions> = {}): ChunkOrderOptions {
  return { inOrder: false, lone: false, origin: 0, chunkCount: 6, random: () => 0, ...more };
}

Deno.test("rarest first: the lowest-scored candidate goes first", () => {
  const held = [3, 3, 2, 1];
  assert.equal(pickChunk([0, 1, 2, 3], (i) => held[i], options()), 3);
});

Deno.test("rarest first breaks ties at random, spreading a swarm over the file", () => {
  const first = new Set<number>();
  for (const roll of [0, 0.3, 0.6, 0.99]) {
    first.add(pickChunk([0, 1, 2, 3], () => 1, options({ random: () => roll })));
  }
  assert.deepEqual([...first].sort(), [0, 1, 2, 3]);
});

Deno.test("in order: the first chunk in the file goes first whatever its score", () => {
  const score = (i: number) => 5 - i;
  assert.equal(pickChunk([4, 2, 3], score, options({ inOrder: true, random: () => 0.9 })), 2);
});

Deno.test("a lone source is walked in file order from its origin, wrapping around", () => {
  const lone = options({ lone: true, origin: 3, random: () => 0.99 });
  assert.equal(pickChunk([0, 1, 4, 5], () => 1, lone), 4);
  assert.equal(pickChunk([0, 1], () => 1, lone), 0, "past the end it starts again at 0");
  assert.equal(pickChunk([0, 5], (i) => i === 0 ? 0 : 1, lone), 0, "rarity still comes first");
});
