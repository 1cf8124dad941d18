import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { PROTOCOL_VERSION } from "../constants.ts";
import {
  compareInstanceNames,
  hostFullName,
  instanceFullName,
  instanceNameOf,
  nextHostName,
  nextInstanceName,
  normalizeServiceType,
  sanitizeHostName,
  sanitizeInstanceName,
} from "./service_names.ts";
import { decodeTxt, defaultTxt, encodeTxt } from "./service_names.ts";

const TYPE = "_p2p-transfer._tcp.local";
const encoder = new TextEncoder();

Deno.test("normalizeServiceType adds .local and drops the trailing dot", () => {
  assertEquals(normalizeServiceType("_p2p-transfer._tcp"), TYPE);
  assertEquals(normalizeServiceType("_p2p-transfer._tcp.local."), TYPE);
  assertEquals(normalizeServiceType("_P2P-transfer._tcp.LOCAL"), "_P2P-transfer._tcp.LOCAL");
  throws(() => normalizeServiceType("p2p-transfer.tcp"), /not a DNS-SD service type/);
});

Deno.test("instance and host names are made into single labels", () => {
  assertEquals(sanitizeInstanceName("p2pft server on a.b.c"), "p2pft server on a-b-c");
  assertEquals(new TextEncoder().encode(sanitizeInstanceName("é".repeat(40))).length, 62);
  throws(() => sanitizeInstanceName(" \u0001 "), /non-empty/);
  assertEquals(sanitizeHostName("alpha.example.com"), "alpha");
  assertEquals(sanitizeHostName("my_box.local."), "my-box");
  assertEquals(sanitizeHostName("___"), "p2pft");
  assertEquals(instanceFullName("x", "_a._tcp"), "x._a._tcp.local");
  assertEquals(hostFullName("alpha"), "alpha.local");
  assertEquals(hostFullName("alpha.local."), "alpha.local");
});

Deno.test("instanceNameOf takes the instance label off a full name of the type", () => {
  assertEquals(instanceNameOf(`v1.2 box.${TYPE}`, TYPE), "v1.2 box");
  assertEquals(instanceNameOf(`x._P2P-Transfer._tcp.local.`, "_p2p-transfer._tcp"), "x");
  assertEquals(instanceNameOf(`x._http._tcp.local`, TYPE), undefined);
  assertEquals(instanceNameOf(TYPE, TYPE), undefined);
});

Deno.test("renames after a conflict count up", () => {
  assertEquals(nextInstanceName("p2pft server on alpha"), "p2pft server on alpha (2)");
  assertEquals(nextInstanceName("p2pft server on alpha (2)"), "p2pft server on alpha (3)");
  assertEquals(nextInstanceName("x (9)"), "x (10)");
  const long = nextInstanceName("a".repeat(63));
  assertEquals(long, "a".repeat(59) + " (2)");
  assertEquals(nextHostName("alpha"), "alpha-2");
  assertEquals(nextHostName("alpha-2"), "alpha-3");
});

Deno.test("TXT pairs round-trip and follow RFC 6763 §6", () => {
  const txt = { txtvers: "1", proto: "p2pft", note: "a=b c", empty: "" };
  assertEquals(decodeTxt(encodeTxt(txt)), txt);
  assertEquals(encodeTxt({}), [new Uint8Array(0)]);
  assertEquals(decodeTxt([new Uint8Array(0)]), {});
  // Keys are case-insensitive, the first one wins, a bare key is a boolean.
  assertEquals(
    decodeTxt([encoder.encode("Key=1"), encoder.encode("key=2"), encoder.encode("flag")]),
    { key: "1", flag: "" },
  );
  assertEquals(decodeTxt([encoder.encode("=nokey"), encoder.encode("ok=é")]), { ok: "é" });
  throws(() => encodeTxt({ "a=b": "1" }), /invalid/);
  throws(() => encodeTxt({ "": "1" }), /invalid/);
  throws(() => encodeTxt({ k: "x".repeat(300) }), /255-byte/);
  assertEquals(defaultTxt(), { txtvers: "1", proto: "p2pft", protovers: String(PROTOCOL_VERSION) });
});

Deno.test("compareInstanceNames is total and case-insensitive first", () => {
  const names = ["b", "B", "a (2)", "A", "a"];
  assertEquals(names.sort(compareInstanceNames), ["A", "a", "a (2)", "B", "b"]);
  assertEquals(compareInstanceNames("x", "x"), 0);
});
