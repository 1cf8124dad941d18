import assert from "node:assert/strict";
import { ServerChoice } from "./server_choice.ts";

const RETRY_AFTER_MS = 10_000;

function at(now: number, random = 0) {
  return { now, random: () => random };
}

Deno.test("the first pick is a random one of the servers", () => {
  const servers = ["a:1", "b:1", "c:1"];
  assert.deepEqual(new ServerChoice({ retryAfterMs: RETRY_AFTER_MS }).pick(servers, at(0, 0)), {
    address: "a:1",
    fresh: true,
  });
  assert.equal(
    new ServerChoice({ retryAfterMs: RETRY_AFTER_MS }).pick(servers, at(0, 0.99)).address,
    "c:1",
  );
});

Deno.test("a peer stays on the server it registered with, whatever the dice say", () => {
  const choice = new ServerChoice({ retryAfterMs: RETRY_AFTER_MS });
  choice.succeeded("b:1");
  assert.deepEqual(choice.pick(["a:1", "b:1", "c:1"], at(5, 0)), { address: "b:1", fresh: true });
  assert.equal(choice.current, "b:1");
});

Deno.test("when its server fails a peer moves at once to one that has not failed", () => {
  const choice = new ServerChoice({ retryAfterMs: RETRY_AFTER_MS });
  const servers = ["a:1", "b:1", "c:1"];
  choice.succeeded("a:1");
  choice.failed("a:1", 1_000);
  assert.equal(choice.current, undefined);
  assert.deepEqual(choice.pick(servers, at(1_000, 0)), { address: "b:1", fresh: true });
  choice.failed("b:1", 1_100);
  assert.deepEqual(choice.pick(servers, at(1_100, 0.99)), { address: "c:1", fresh: true });
});

Deno.test("when every server failed lately, the one that failed longest ago, after a backoff", () => {
  const choice = new ServerChoice({ retryAfterMs: RETRY_AFTER_MS });
  choice.failed("b:1", 100);
  choice.failed("a:1", 200);
  assert.deepEqual(choice.pick(["a:1", "b:1"], at(300)), { address: "b:1", fresh: false });
  choice.failed("b:1", 400);
  assert.deepEqual(choice.pick(["a:1", "b:1"], at(500)), { address: "a:1", fresh: false });
});

Deno.test("a server that failed is tried at once again once it has rested", () => {
  const choice = new ServerChoice({ retryAfterMs: RETRY_AFTER_MS });
  choice.failed("a:1", 0);
  assert.equal(choice.pick(["a:1"], at(RETRY_AFTER_MS - 1)).fresh, false);
  assert.deepEqual(choice.pick(["a:1"], at(RETRY_AFTER_MS)), { address: "a:1", fresh: true });
});

Deno.test("one server alone is backed off from after each failure, as a single link always was", () => {
  const choice = new ServerChoice({ retryAfterMs: RETRY_AFTER_MS });
  assert.deepEqual(choice.pick(["a:1"], at(0)), { address: "a:1", fresh: true });
  choice.failed("a:1", 0);
  assert.deepEqual(choice.pick(["a:1"], at(250)), { address: "a:1", fresh: false });
});

Deno.test("a server gone from the list is not picked, and its failures are forgotten", () => {
  const choice = new ServerChoice({ retryAfterMs: RETRY_AFTER_MS });
  choice.succeeded("a:1");
  assert.deepEqual(choice.pick(["b:1"], at(0)), { address: "b:1", fresh: true });
  choice.failed("c:1", 0);
  choice.pick(["b:1"], at(1));
  assert.deepEqual(choice.pick(["c:1"], at(2)), { address: "c:1", fresh: true });
});

Deno.test("no server at all is an error that says what to give", () => {
  assert.throws(
    () => new ServerChoice({ retryAfterMs: RETRY_AFTER_MS }).pick([], at(0)),
    /no server to connect to; give --server HOST:PORT/,
  );
});
