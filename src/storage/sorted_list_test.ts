import assert from "node:assert/strict";
import { SortedList } from "./sorted_list.ts";
import { seededRandom } from "../test_random.ts";

const compare = (a: number, b: number) => a - b;

Deno.test("a sorted list agrees with a sorted array through thousands of adds and deletes", () => {
  const random = seededRandom(7);
  const list = new SortedList<number>(compare);
  const reference: number[] = [];
  for (let i = 0; i < 6_000; i++) {
    const value = Math.floor(random() * 1_000_000);
    list.add(value);
    reference.push(value);
  }
  reference.sort(compare);
  assert.deepEqual(list.slice(0, Infinity), reference, "blocks split and stay in order");
  for (let i = 0; i < 5_500; i++) {
    const value = reference.splice(Math.floor(random() * reference.length), 1)[0];
    assert.equal(list.delete(value), true);
  }
  assert.equal(list.size, reference.length);
  assert.deepEqual(list.slice(0, Infinity), reference, "small blocks merge and stay in order");
  for (const probe of [-1, 0, reference[10], reference[10] + 1, 2_000_000]) {
    const expected = reference.filter((value) => value < probe).length;
    assert.equal(list.rank(probe), expected, `rank of ${probe}`);
  }
  assert.deepEqual(list.slice(100, 5), reference.slice(100, 105));
  assert.deepEqual(list.slice(reference.length - 2, 5), reference.slice(-2));
});

Deno.test("a sorted list answers on empty and missing values", () => {
  const list = new SortedList<string>((a, b) => a < b ? -1 : a > b ? 1 : 0);
  assert.equal(list.delete("x"), false);
  assert.equal(list.rank("x"), 0);
  assert.deepEqual(list.slice(0, 10), []);
  list.add("b");
  list.add("a");
  list.add("c");
  assert.equal(list.delete("bb"), false);
  assert.deepEqual(list.slice(0, 10), ["a", "b", "c"]);
  assert.equal(list.rank("bb"), 2);
  assert.equal(list.delete("b"), true);
  assert.deepEqual([list.size, list.slice(1, 1)], [2, ["c"]]);
  list.delete("a");
  list.delete("c");
  assert.deepEqual([list.size, list.slice(0, 10)], [0, []]);
  list.add("z");
  assert.deepEqual(list.slice(0, 10), ["z"], "a list emptied works again");
});
