import assert from "node:assert/strict";
import { NameplateError, Nameplates } from "./nameplates.ts";

const entry = { address: "10.0.0.5:4000", peerId: "sender" };
const from = (host: string, now = 0) => ({ host, now });
const at = { host: "10.0.0.5" };

function failure(code: string) {
  return (error: unknown) => error instanceof NameplateError && error.code === code;
}

Deno.test("claims take the lowest free number, and a release frees it", () => {
  const nameplates = new Nameplates();
  const [a, b] = [{}, {}];
  assert.equal(nameplates.claim(a, entry, at), 1);
  assert.equal(nameplates.claim(b, entry, at), 2);
  assert.equal(nameplates.claim(a, entry, at), 3);
  nameplates.release(a, 1);
  assert.equal(nameplates.claim(b, entry, at), 1);
  assert.ok(nameplates.holds(a));
  nameplates.release(a);
  assert.ok(!nameplates.holds(a));
  assert.throws(() => nameplates.resolve(3, from("h")), failure("not-found"));
  assert.deepEqual(nameplates.resolve(2, from("h")), entry);
});

Deno.test("one sender cannot release another's nameplate", () => {
  const nameplates = new Nameplates();
  const [a, b] = [{}, {}];
  const number = nameplates.claim(a, entry, at);
  nameplates.release(b, number);
  assert.deepEqual(nameplates.resolve(number, from("h")), entry);
});

Deno.test("claims past the limits are refused with what to do", () => {
  const nameplates = new Nameplates({ perSender: 1, total: 2 });
  nameplates.claim({}, entry, at);
  const owner = {};
  nameplates.claim(owner, entry, at);
  assert.throws(() => nameplates.claim(owner, entry, at), /may hold 1 codes at once: stop another/);
  assert.throws(() => nameplates.claim({}, entry, at), /holds 2 codes already: try again later/);
});

Deno.test("resolves from one address are rate-limited, other addresses are not", () => {
  const nameplates = new Nameplates({ resolveRate: { perSecond: 1 / 60, burst: 3 } });
  nameplates.claim({}, entry, at);
  for (let i = 0; i < 3; i++) nameplates.resolve(1, from("attacker"));
  assert.throws(() => nameplates.resolve(1, from("attacker")), failure("rate-limited"));
  assert.throws(() => nameplates.resolve(99, from("attacker")), failure("rate-limited"));
  assert.deepEqual(nameplates.resolve(1, from("friend")), entry);
  // A minute later the attacker has one more try.
  assert.deepEqual(nameplates.resolve(1, from("attacker", 60_000)), entry);
  assert.throws(() => nameplates.resolve(1, from("attacker", 60_000)), failure("rate-limited"));
});

Deno.test("resolves from one IPv6 /64 share a rate, whichever of its addresses they come from", () => {
  const nameplates = new Nameplates({ resolveRate: { perSecond: 0, burst: 2 } });
  nameplates.claim({}, entry, at);
  nameplates.resolve(1, from("2001:db8:7:7::1"));
  nameplates.resolve(1, from("2001:db8:7:7::2"));
  assert.throws(() => nameplates.resolve(1, from("2001:db8:7:7::3")), failure("rate-limited"));
  assert.deepEqual(nameplates.resolve(1, from("2001:db8:7:8::1")), entry);
});

Deno.test("a resolve of an unknown nameplate counts against the rate too, and says what to do", () => {
  const nameplates = new Nameplates({ resolveRate: { perSecond: 0, burst: 1 } });
  assert.throws(
    () => nameplates.resolve(7, from("h")),
    /no transfer with code number 7 on this server: .* ask the sender for the code again/,
  );
  assert.throws(() => nameplates.resolve(7, from("h")), failure("rate-limited"));
});

Deno.test("nameplates held from one address are capped, and a release frees room", () => {
  const nameplates = new Nameplates({ perAddress: 2 });
  const office = { host: "192.0.2.7" };
  nameplates.claim({}, entry, office);
  const owner = {};
  const second = nameplates.claim(owner, entry, office);
  assert.throws(
    () => nameplates.claim({}, entry, office),
    /this address holds 2 codes already: stop a send from it first, or ask the server's operator/,
  );
  assert.throws(() => nameplates.claim({}, entry, office), failure("over-limit"));
  nameplates.claim({}, entry, { host: "192.0.2.8" });
  nameplates.release(owner, second);
  nameplates.claim({}, entry, office);
});

Deno.test("nameplates held from one IPv6 /64 count together", () => {
  const nameplates = new Nameplates({ perAddress: 1 });
  nameplates.claim({}, entry, { host: "2001:db8:7:7::1" });
  assert.throws(
    () => nameplates.claim({}, entry, { host: "2001:db8:7:7::2" }),
    failure("over-limit"),
  );
  nameplates.claim({}, entry, { host: "2001:db8:7:8::1" });
});
