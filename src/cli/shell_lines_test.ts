import assert from "node:assert/strict";
import { LineQueue } from "./shell_lines.ts";

Deno.test("lines come out in order, a wait ends when one is pushed, and the end is undefined", async () => {
  const queue = new LineQueue();
  queue.push("status");
  queue.push("list files");
  assert.equal(queue.pending, 2);
  assert.equal(await queue.next(), "status");
  assert.equal(await queue.next(), "list files");
  const waiting = queue.next();
  queue.push("exit");
  assert.equal(await waiting, "exit");
  const last = queue.next();
  queue.end();
  assert.equal(await last, undefined);
});

Deno.test("clear drops what was not handed out; lines queued before the end still come", async () => {
  const queue = new LineQueue();
  queue.push("a");
  queue.clear();
  queue.push("b");
  queue.end();
  assert.equal(await queue.next(), "b");
  assert.equal(await queue.next(), undefined);
});
