import assert from "node:assert/strict";
import { UploadQueue } from "./upload_queue.ts";

Deno.test("slots are granted at once while free", async () => {
  const queue = new UploadQueue(2);
  const slots = [await queue.acquire("a"), await queue.acquire("a")];
  assert.deepEqual(slots.sort(), [0, 1]);
  assert.equal(queue.waiting, 0);
});

Deno.test("waiting requests are served round-robin across requesters", async () => {
  const queue = new UploadQueue(1);
  const slot = await queue.acquire("greedy");
  const order: string[] = [];
  const waits = [
    ["greedy", 1],
    ["greedy", 2],
    ["greedy", 3],
    ["polite", 1],
    ["other", 1],
  ].map(([who, n]) =>
    queue.acquire(String(who)).then((granted) => {
      order.push(`${who}${n}`);
      queue.release(granted);
    })
  );
  assert.equal(queue.waiting, 5);
  queue.release(slot);
  await Promise.all(waits);
  assert.deepEqual(order, ["greedy1", "polite1", "other1", "greedy2", "greedy3"]);
});

Deno.test("an aborted wait leaves the queue and rejects", async () => {
  const queue = new UploadQueue(1);
  const slot = await queue.acquire("a");
  const controller = new AbortController();
  const waiting = queue.acquire("b", controller.signal);
  controller.abort();
  await assert.rejects(waiting, /cancelled/);
  assert.equal(queue.waiting, 0);
  queue.release(slot);
  assert.equal(await queue.acquire("c"), slot);
});

Deno.test("one requester holds at most its share; others are served meanwhile", async () => {
  const queue = new UploadQueue(3, { perRequester: 2 });
  const held = [await queue.acquire("stuck"), await queue.acquire("stuck")];
  let third = false;
  const waiting = queue.acquire("stuck").then((slot) => {
    third = true;
    return slot;
  });
  const honest = await queue.acquire("honest");
  assert.equal(third, false, "the capped requester waits though a slot was free");
  queue.release(honest);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(third, false, "a slot freed by another requester does not lift the cap");
  queue.release(held[0]);
  assert.ok([held[0], honest].includes(await waiting));
});
