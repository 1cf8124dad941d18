import assert from "node:assert/strict";
import { RandomBag, sampleMix } from "./random_bag.ts";
import { seededRandom } from "../test_random.ts";

function bagOf(prefix: string, count: number): RandomBag<string> {
  const bag = new RandomBag<string>();
  for (let i = 0; i < count; i++) bag.add(`${prefix}${i}`);
  return bag;
}

Deno.test("a random bag adds once, deletes by swapping and keeps its positions right", () => {
  const bag = bagOf("v", 5);
  bag.add("v1");
  assert.equal(bag.size, 5);
  assert.equal(bag.delete("v1"), true);
  assert.equal(bag.delete("v1"), false);
  assert.deepEqual(bag.values().toSorted(), ["v0", "v2", "v3", "v4"]);
  bag.sample(4, seededRandom(1));
  assert.equal(bag.delete("v4"), true, "positions stay right after a sample reorders");
  assert.equal(bag.delete("v0"), true);
  assert.deepEqual(bag.values().toSorted(), ["v2", "v3"]);
  assert.equal(bag.has("v3"), true);
});

Deno.test("a sample has distinct values, all of them when few, and spreads over repeated draws", () => {
  const bag = bagOf("v", 100);
  assert.equal(bagOf("w", 3).sample(10, Math.random).length, 3);
  const random = seededRandom(42);
  const seen = new Set<string>();
  for (let draw = 0; draw < 100; draw++) {
    const sample = bag.sample(10, random);
    assert.equal(new Set(sample).size, 10);
    for (const value of sample) seen.add(value);
  }
  assert.equal(seen.size, 100, "100 draws of 10 reach every value");
  assert.deepEqual(bagOf("f", 3).sample(3, () => 0), ["f0", "f1", "f2"]);
});

Deno.test("a mix takes half from each bag and lets a short bag leave its share to the other", () => {
  const count = (values: string[], prefix: string) =>
    values.filter((value) => value.startsWith(prefix)).length;
  const even = sampleMix([bagOf("s", 100), bagOf("p", 100)], { count: 5, random: Math.random });
  assert.deepEqual([count(even, "s"), count(even, "p")], [3, 2]);
  const fewFirst = sampleMix([bagOf("s", 1), bagOf("p", 100)], { count: 50, random: Math.random });
  assert.deepEqual([count(fewFirst, "s"), count(fewFirst, "p")], [1, 49]);
  const fewSecond = sampleMix([bagOf("s", 100), bagOf("p", 3)], { count: 50, random: Math.random });
  assert.deepEqual([count(fewSecond, "s"), count(fewSecond, "p")], [47, 3]);
  assert.equal(
    sampleMix([bagOf("s", 2), bagOf("p", 2)], { count: 50, random: Math.random }).length,
    4,
  );
});

Deno.test("a bag emptied and filled again holds what it is given", () => {
  const bag = new RandomBag<string>();
  assert.equal(bag.has("a"), false);
  assert.equal(bag.delete("a"), false);
  bag.add("a");
  bag.add("b");
  assert.equal(bag.delete("a"), true);
  assert.equal(bag.delete("b"), true);
  assert.equal(bag.size, 0);
  assert.equal(bag.has("b"), false);
  bag.add("c");
  assert.deepEqual([bag.size, bag.has("c"), bag.has("a")], [1, true, false]);
  assert.deepEqual(bag.sample(5, Math.random), ["c"]);
});
