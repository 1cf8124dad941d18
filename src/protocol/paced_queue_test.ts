import assert from "node:assert/strict";
import { PacedQueue } from "./paced_queue.ts";

/** A queue on a fake clock whose slices run when `runSlice` says. */
function fakeQueue(budgetMs: number, busyBudgetMs?: number) {
  let now = 0;
  const slices: (() => void)[] = [];
  const errors: unknown[] = [];
  const queue = new PacedQueue({
    budgetMs,
    busyBudgetMs,
    now: () => now,
    schedule: (slice) => slices.push(slice),
    onError: (error) => errors.push(error),
  });
  return {
    queue,
    errors,
    slices,
    runSlice: () => slices.shift()!(),
    advance: (ms: number) => now += ms,
  };
}

Deno.test("tasks wait for a slice, run in order, and a slice stops at its budget", () => {
  const fake = fakeQueue(5);
  const done: number[] = [];
  for (let i = 0; i < 10; i++) {
    fake.queue.push(() => {
      done.push(i);
      fake.advance(2);
    });
  }
  assert.deepEqual(done, [], "nothing runs at once");
  assert.equal(fake.slices.length, 1, "one slice scheduled for the whole burst");
  fake.runSlice();
  assert.deepEqual(done, [0, 1, 2], "2 ms each: three fit in 5 ms (the third starts at 4)");
  assert.equal(fake.queue.pending, 7);
  while (fake.slices.length) fake.runSlice();
  assert.deepEqual(done, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(fake.queue.pending, 0);
});

Deno.test("after more than a budget of other work, a slice takes only the busy budget", () => {
  const fake = fakeQueue(5, 1);
  const done: number[] = [];
  for (let i = 0; i < 20; i++) {
    fake.queue.push(() => {
      done.push(i);
      fake.advance(1);
    });
  }
  fake.runSlice();
  assert.equal(done.length, 5, "the first slice of a burst takes the whole budget");
  fake.advance(6);
  fake.runSlice();
  assert.equal(done.length, 6, "6 ms of other work since: one task, the busy budget");
  fake.advance(5);
  fake.runSlice();
  assert.equal(done.length, 11, "5 ms of other work is not more than the budget: the whole budget");
  fake.advance(20);
  fake.runSlice();
  assert.equal(done.length, 12);
  while (fake.slices.length) fake.runSlice();
  assert.equal(done.length, 20);
  fake.queue.push(() => done.push(20));
  fake.advance(100);
  fake.runSlice();
  assert.equal(done.length, 21, "an empty queue forgets its last slice: a new burst starts afresh");
});

Deno.test("a task that throws is reported and the rest still run; a later push schedules anew", () => {
  const fake = fakeQueue(5);
  const done: string[] = [];
  fake.queue.push(() => {
    throw new Error("boom");
  });
  fake.queue.push(() => done.push("after"));
  fake.runSlice();
  assert.deepEqual(done, ["after"]);
  assert.equal(fake.errors.length, 1);
  assert.equal(fake.slices.length, 0);
  fake.queue.push(() => done.push("later"));
  assert.equal(fake.slices.length, 1);
  fake.runSlice();
  assert.deepEqual(done, ["after", "later"]);
});

Deno.test("a burst of 100,000 tasks costs linear time and lets go of them", async () => {
  const queue = new PacedQueue({ budgetMs: 5 });
  let count = 0;
  for (let i = 0; i < 100_000; i++) queue.push(() => count++);
  while (queue.pending > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(count, 100_000);
});
