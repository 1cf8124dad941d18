import assert from "node:assert/strict";
import { MAX_CONNECTIONS_PER_ADDRESS } from "../constants.ts";
import { MAX_CONNECTIONS, REFUSAL_LOG_INTERVAL_MS } from "./constants.ts";
import { createLogger } from "../log.ts";
import { EventEmitter } from "node:events";
import {
  addressGroup,
  Admissions,
  admit,
  defaultLimits,
  DESCRIPTOR_RESERVE,
  MAX_REFUSING,
  parseDescriptorLimit,
  RefusalLog,
  refusalReason,
} from "./admission.ts";

const LIMITS = { total: 10, perAddress: 3 };

Deno.test("newcomers are served under the limits, refused past them, dropped past the refusals", () => {
  assert.equal(admit({ open: 9, fromAddress: 2, refusing: 0 }, LIMITS), "serve");
  assert.equal(admit({ open: 10, fromAddress: 0, refusing: 0 }, LIMITS), "refuse");
  assert.equal(admit({ open: 4, fromAddress: 3, refusing: 0 }, LIMITS), "refuse");
  assert.equal(admit({ open: 10, fromAddress: 0, refusing: MAX_REFUSING - 1 }, LIMITS), "refuse");
  assert.equal(admit({ open: 10, fromAddress: 0, refusing: MAX_REFUSING }, LIMITS), "drop");
});

Deno.test("the descriptor limit is read from /proc/self/limits", () => {
  const text = "Limit                     Soft Limit           Hard Limit           Units     \n" +
    "Max cpu time              unlimited            unlimited            seconds   \n" +
    "Max open files            20000                20000                files     \n";
  assert.equal(parseDescriptorLimit(text), 20_000);
  assert.equal(parseDescriptorLimit(text.replace("20000  ", "unlimited")), undefined);
  assert.equal(parseDescriptorLimit(""), undefined);
});

Deno.test("the default limit keeps a reserve under the descriptor limit", () => {
  assert.deepEqual(defaultLimits(20_000), {
    total: 20_000 - DESCRIPTOR_RESERVE,
    perAddress: MAX_CONNECTIONS_PER_ADDRESS,
  });
  assert.deepEqual(defaultLimits(undefined).total, MAX_CONNECTIONS);
  assert.deepEqual(defaultLimits(100), { total: 64, perAddress: 64 });
});

Deno.test("a refusal names the limit and the flag that raises it", () => {
  assert.match(refusalReason(LIMITS, false), /limit of 10 connections: .*--max-connections/);
  assert.match(refusalReason(LIMITS, true), /limit is 3\): .*--max-per-address/);
});

Deno.test("limits per address count an IPv6 /64 as one address, IPv4 addresses each alone", () => {
  assert.equal(addressGroup("2001:db8:1:2::1"), addressGroup("2001:db8:1:2:ffff:1:2:3"));
  assert.equal(addressGroup("2001:DB8:1:2::1%eth0"), "2001:db8:1:2::/64");
  assert.equal(addressGroup("2001:db8::"), "2001:db8:0:0::/64");
  assert.equal(addressGroup("::1"), "0:0:0:0::/64");
  assert.equal(addressGroup("2001:db8::1:2.3.4.5"), "2001:db8:0:0::/64");
  assert.equal(addressGroup("fe80::1%eth0"), "fe80::1%eth0");
  assert.notEqual(addressGroup("fe80::1"), addressGroup("fe80::2"));
  assert.notEqual(addressGroup("2001:db8:1:2::1"), addressGroup("2001:db8:1:3::1"));
  assert.equal(addressGroup("192.0.2.7"), "192.0.2.7");
  assert.equal(addressGroup("::ffff:192.0.2.7"), "192.0.2.7");
  assert.notEqual(addressGroup("192.0.2.7"), addressGroup("192.0.2.8"));
});

Deno.test("refusals are logged once per address group and kind a minute, then with a count", () => {
  const lines: string[] = [];
  const log = createLogger("t", {
    sink: (line) => lines.push(line.replace(/^.*?refused/, "refused")),
  });
  let now = 0;
  const refusals = new RefusalLog(log, () => now);
  refusals.refused("10.0.0.1", "too many", "limit");
  refusals.refused("10.0.0.1", "too many", "limit");
  refusals.refused("10.0.0.1", "bad key", "KeyError");
  refusals.refused("2001:db8::1", "too many", "limit");
  refusals.refused("2001:db8::2", "too many", "limit");
  assert.deepEqual(lines, [
    "refused connection from 10.0.0.1: too many",
    "refused connection from 10.0.0.1: bad key",
    "refused connection from 2001:db8::1: too many",
  ]);
  now = REFUSAL_LOG_INTERVAL_MS;
  refusals.refused("10.0.0.1", "too many", "limit");
  assert.equal(lines.at(-1), "refused connection from 10.0.0.1: too many (and 1 more times since)");
});

Deno.test("admissions count a served connection in all and for its address until it closes", async () => {
  const admissions = new Admissions<EventEmitter>({ total: 3, perAddress: 2 });
  const a1 = new EventEmitter();
  const a2 = new EventEmitter();
  assert.deepEqual(admissions.admit(a1, "10.0.0.1"), { admission: "serve", addressFull: false });
  assert.deepEqual(admissions.admit(a2, "10.0.0.1"), { admission: "serve", addressFull: false });
  // The third from that address is past its own limit, not the limit in all.
  const a3 = new EventEmitter();
  assert.deepEqual(admissions.admit(a3, "10.0.0.1"), { admission: "refuse", addressFull: true });
  assert.equal(admissions.served.size, 2);
  // An IPv6 /64 is one address: its second address counts with the first.
  const b = new EventEmitter();
  assert.equal(admissions.admit(b, "2001:db8::1").admission, "serve");
  assert.deepEqual(admissions.admit(new EventEmitter(), "2001:db8::2"), {
    admission: "refuse",
    addressFull: false,
  });
  a1.emit("close");
  assert.equal(admissions.served.size, 2);
  assert.equal(admissions.admit(a3, "10.0.0.1").admission, "serve");
  // Adopted ones count in all only.
  const adopted = new EventEmitter();
  admissions.adopt(adopted);
  assert.equal(admissions.served.size, 4);
  adopted.emit("close");
  assert.equal(admissions.served.size, 3);
  // A refusal counts until it ends.
  let end = () => {};
  const refused = new EventEmitter();
  admissions.refuse(refused, new Promise<void>((resolve) => end = resolve));
  assert.equal(admissions.refusing.size, 1);
  end();
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(admissions.refusing.size, 0);
});

Deno.test("past the refusals under way a newcomer is dropped", () => {
  const admissions = new Admissions<EventEmitter>({ total: 0, perAddress: 1 });
  for (let i = 0; i < MAX_REFUSING; i++) {
    admissions.refuse(new EventEmitter(), new Promise(() => {}));
  }
  assert.equal(admissions.admit(new EventEmitter(), "10.0.0.9").admission, "drop");
});
