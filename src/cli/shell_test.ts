import assert from "node:assert/strict";
import { untilAborted } from "./shell.ts";

Deno.test("a command's wait ends with its promise, or at once when Ctrl-C aborts it", async () => {
  const controller = new AbortController();
  assert.equal(await untilAborted(Promise.resolve(1), controller.signal), 1);
  await assert.rejects(untilAborted(Promise.reject(new Error("failed")), controller.signal), {
    message: "failed",
  });
  const waiting = untilAborted(new Promise(() => {}), controller.signal);
  controller.abort(new Error("stopped waiting"));
  await assert.rejects(waiting, { message: "stopped waiting" });
  await assert.rejects(untilAborted(Promise.resolve(2), controller.signal), {
    message: "stopped waiting",
  }, "an aborted signal wins at once");
});
