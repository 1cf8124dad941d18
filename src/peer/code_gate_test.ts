import assert from "node:assert/strict";
import { CodeGate, gateRefusal, shutForGood } from "./code_gate.ts";

Deno.test("the code stops working after the allowed wrong codes, even tried at once", () => {
  const gate = new CodeGate({ maxFailures: 3, maxReceivers: 0 });
  assert.equal(gate.begin(0), "open");
  assert.equal(gate.begin(0), "open");
  assert.equal(gate.begin(0), "open");
  assert.equal(gate.begin(0), "busy", "three guesses under way: a fourth waits");
  gate.end(false);
  gate.end(false);
  assert.equal(gate.failuresLeft, 1);
  gate.end(false);
  assert.equal(gate.begin(0), "burned");
  assert.ok(gate.settled(0));
});

Deno.test("a right code makes an active receiver, and the default of one receiver fills the gate", () => {
  const gate = new CodeGate({ maxFailures: 3, maxReceivers: 1 });
  assert.equal(gate.begin(0), "open");
  assert.equal(gate.begin(0), "busy", "the one place is being taken");
  gate.end(true);
  assert.equal(gate.state(0), "taken", "its receiver holds the place while it downloads");
  assert.ok(!shutForGood(gate.state(0)), "it may leave before the end");
  assert.ok(!gate.settled(0), "its receiver is still at it");
  gate.leave(true);
  assert.equal(gate.state(0), "full");
  assert.ok(shutForGood(gate.state(0)));
  assert.ok(gate.settled(0));
  assert.deepEqual(gate.counts, { failures: 0, pending: 0, active: 0, finished: 1 });
});

Deno.test("a receiver that leaves before it finished frees its place", () => {
  const gate = new CodeGate({ maxFailures: 3, maxReceivers: 1 });
  gate.begin(0);
  gate.end(true);
  gate.leave(false);
  assert.equal(gate.state(0), "open");
  assert.ok(!gate.settled(0));
});

Deno.test("the code expires at its time; receivers under way may finish", () => {
  const gate = new CodeGate({ maxFailures: 3, maxReceivers: 0, expiresAt: 1_000 });
  gate.begin(500);
  gate.end(true);
  assert.equal(gate.state(999), "open");
  assert.equal(gate.begin(1_000), "expired");
  assert.ok(!gate.settled(1_000));
  gate.leave(true);
  assert.ok(gate.settled(1_000));
});

Deno.test("with no limit on receivers the gate stays open until stopped", () => {
  const gate = new CodeGate({ maxFailures: 3, maxReceivers: 0 });
  for (let i = 0; i < 10; i++) {
    assert.equal(gate.begin(i), "open");
    gate.end(true);
    gate.leave(true);
  }
  assert.ok(!gate.settled(10));
  gate.stop();
  assert.equal(gate.state(10), "stopped");
  assert.ok(gate.settled(10));
});

Deno.test("each shut state tells the code holder what to do", () => {
  assert.match(gateRefusal("burned"), /too many wrong tries: ask the sender to send again/);
  assert.match(gateRefusal("expired"), /expired: ask the sender to send again/);
  assert.match(gateRefusal("full"), /ask the sender to send again/);
  assert.match(gateRefusal("busy"), /try again in a few seconds/);
  assert.match(gateRefusal("taken"), /try again later \(a receiver that stops frees its place\)/);
});
