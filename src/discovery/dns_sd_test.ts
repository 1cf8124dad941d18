import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { PROTOCOL_VERSION } from "../constants.ts";
import { nextHostName } from "./advertiser.ts";
import { pickServer } from "./browser.ts";
import {
  allRecords,
  answerQuery,
  buildServiceRecords,
  compareInstanceNames,
  compareProbeRecords,
  decodeTxt,
  defaultTxt,
  type DnsMessage,
  type DnsRecord,
  encodeTxt,
  findConflicts,
  hostFullName,
  instanceFullName,
  instancesFromRecords,
  isResolved,
  nextInstanceName,
  normalizeServiceType,
  parseServiceInstances,
  sanitizeHostName,
  sanitizeInstanceName,
  type ServiceInstance,
} from "./dns_sd.ts";

const TYPE = "_p2p-transfer._tcp.local";
const FULL = `p2pft server on alpha.${TYPE}`;
const encoder = new TextEncoder();

function service() {
  return {
    instanceName: "p2pft server on alpha",
    serviceType: TYPE,
    port: 8000,
    host: "alpha",
    txt: { txtvers: "1", pv: "1" },
  };
}

function records(addresses = ["10.0.0.1", "fd00::1"]) {
  return buildServiceRecords(service(), { addresses });
}

function response(answers: DnsRecord[], additionals: DnsRecord[] = []): DnsMessage {
  return { type: "response", id: 0, questions: [], answers, authorities: [], additionals };
}

function instance(name: string, extra: Partial<ServiceInstance> = {}): ServiceInstance {
  return {
    instanceName: name,
    serviceType: TYPE,
    host: "h.local",
    port: 1,
    addresses: ["10.0.0.9"],
    txt: {},
    ttl: 120,
    ...extra,
  };
}

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

Deno.test("buildServiceRecords makes PTR, SRV, TXT, A, AAAA and the enumeration PTR", () => {
  const set = records();
  assertEquals(set.ptr, { name: TYPE, type: "PTR", ttl: 4500, data: FULL });
  assertEquals(set.enumeration, {
    name: "_services._dns-sd._udp.local",
    type: "PTR",
    ttl: 4500,
    data: TYPE,
  });
  assertEquals(set.srv, {
    name: FULL,
    type: "SRV",
    ttl: 120,
    flush: true,
    data: { priority: 0, weight: 0, port: 8000, target: "alpha.local" },
  });
  assertEquals(set.txt.name, FULL);
  assertEquals(decodeTxt(set.txt.data), { txtvers: "1", pv: "1" });
  assertEquals(set.addresses.map((a) => [a.name, a.type, a.data, a.ttl, a.flush]), [
    ["alpha.local", "A", "10.0.0.1", 120, true],
    ["alpha.local", "AAAA", "fd00::1", 120, true],
  ]);
  assertEquals(allRecords(set).length, 6);
  const goodbye = buildServiceRecords(service(), { addresses: ["10.0.0.1"], goodbye: true });
  assert(allRecords(goodbye).every((r) => r.ttl === 0));
  // Without TXT pairs, the p2pft defaults are advertised.
  const { txt: _, ...bare } = service();
  assertEquals(
    decodeTxt(buildServiceRecords(bare, { addresses: [] }).txt.data),
    defaultTxt(),
  );
});

Deno.test("answerQuery answers a PTR browse with SRV, TXT and addresses as additionals", () => {
  const set = records();
  const reply = answerQuery(set, [{ name: TYPE, type: "PTR" }]);
  assertEquals(reply.answers, [set.ptr]);
  assertEquals(reply.additionals, [set.srv, set.txt, ...set.addresses]);
  assertEquals(reply.unicast, false);
  // Names are case-insensitive; QU questions ask for a unicast reply.
  const qu = answerQuery(set, [{ name: TYPE.toUpperCase(), type: "PTR", unicastResponse: true }]);
  assertEquals(qu.answers, [set.ptr]);
  assertEquals(qu.unicast, true);
});

Deno.test("answerQuery answers SRV, TXT, ANY, A, AAAA and enumeration questions", () => {
  const set = records();
  const [a, aaaa] = set.addresses;
  assertEquals(answerQuery(set, [{ name: FULL, type: "SRV" }]), {
    answers: [set.srv],
    additionals: [a, aaaa],
    unicast: false,
  });
  assertEquals(answerQuery(set, [{ name: FULL, type: "TXT" }]).answers, [set.txt]);
  assertEquals(answerQuery(set, [{ name: FULL, type: "ANY" }]).answers, [set.srv, set.txt]);
  assertEquals(answerQuery(set, [{ name: "alpha.local", type: "A" }]), {
    answers: [a],
    additionals: [aaaa],
    unicast: false,
  });
  assertEquals(answerQuery(set, [{ name: "ALPHA.local", type: "AAAA" }]).answers, [aaaa]);
  assertEquals(answerQuery(set, [{ name: "alpha.local", type: "ANY" }]).answers, [a, aaaa]);
  assertEquals(
    answerQuery(set, [{ name: "_services._dns-sd._udp.local", type: "PTR" }]).answers,
    [set.enumeration],
  );
  const none = answerQuery(set, [
    { name: "_other._tcp.local", type: "PTR" },
    { name: FULL, type: "A" },
    { name: "beta.local", type: "A" },
  ]);
  assertEquals(none, { answers: [], additionals: [], unicast: false });
});

Deno.test("answerQuery leaves out known answers that still have half their TTL", () => {
  const set = records();
  const fresh = { ...set.ptr, ttl: 3000 };
  assertEquals(answerQuery(set, [{ name: TYPE, type: "PTR" }], { knownAnswers: [fresh] }), {
    answers: [],
    additionals: [],
    unicast: false,
  });
  const stale = { ...set.ptr, ttl: 100 };
  assertEquals(
    answerQuery(set, [{ name: TYPE, type: "PTR" }], { knownAnswers: [stale] }).answers,
    [set.ptr],
  );
});

Deno.test("findConflicts reports records for our names with other data", () => {
  const set = records(["10.0.0.1"]);
  const ours = [set.srv, set.txt, ...set.addresses];
  // Our own packets (looped back) are no conflict.
  assertEquals(findConflicts(response(allRecords(set)), ours), []);
  const other = buildServiceRecords({ ...service(), port: 9000, host: "beta" }, {
    addresses: ["10.0.0.2"],
  });
  assertEquals(findConflicts(response([other.ptr, other.srv]), ours), [other.srv]);
  const sameHost = { ...set.addresses[0], data: "10.0.0.3" };
  assertEquals(findConflicts(response([], [sameHost]), ours), [sameHost]);
  const unrelated = buildServiceRecords({ ...service(), instanceName: "x", host: "x" }, {
    addresses: ["10.0.0.2"],
  });
  assertEquals(findConflicts(response(allRecords(unrelated)), ours), []);
});

Deno.test("compareProbeRecords: lexicographically later data wins (RFC 6762 §8.2)", () => {
  const a = buildServiceRecords({ ...service(), host: "ha" }, { addresses: [] });
  const b = buildServiceRecords({ ...service(), host: "hb" }, { addresses: [] });
  assert(compareProbeRecords([a.srv, a.txt], [b.srv, b.txt]) < 0);
  assert(compareProbeRecords([b.srv, b.txt], [a.srv, a.txt]) > 0);
  assertEquals(compareProbeRecords([a.srv, a.txt], [a.txt, a.srv]), 0);
  const low = buildServiceRecords(service(), { addresses: ["10.0.0.2", "fd00::1"] }).addresses;
  const high = buildServiceRecords(service(), { addresses: ["10.0.0.10", "::ffff:1.2.3.4"] })
    .addresses;
  assert(compareProbeRecords(low, high) < 0);
  assert(compareProbeRecords([low[0]], [low[0], low[1]]) < 0);
});

Deno.test("parseServiceInstances merges answers and additionals", () => {
  const set = records();
  const [instance] = parseServiceInstances(
    response([set.ptr], [set.srv, set.txt, ...set.addresses]),
    "_p2p-transfer._tcp",
  );
  assertEquals(instance, {
    instanceName: "p2pft server on alpha",
    serviceType: TYPE,
    host: "alpha.local",
    port: 8000,
    addresses: ["10.0.0.1", "fd00::1"],
    txt: { txtvers: "1", pv: "1" },
    ttl: 4500,
  });
  assert(isResolved(instance));
});

Deno.test("parseServiceInstances reports partial instances, goodbyes and ignores other types", () => {
  const set = records();
  const partial = parseServiceInstances(response([set.ptr]), TYPE);
  assertEquals(partial.map((i) => [i.instanceName, i.host, i.port, i.addresses]), [
    ["p2pft server on alpha", "", 0, []],
  ]);
  assert(!isResolved(partial[0]));
  const bye = buildServiceRecords(service(), { addresses: ["10.0.0.1"], goodbye: true });
  const gone = parseServiceInstances(response(allRecords(bye)), TYPE);
  assertEquals(gone.map((i) => [i.instanceName, i.ttl, i.addresses]), [
    ["p2pft server on alpha", 0, []],
  ]);
  assert(!isResolved(gone[0]));
  const other = buildServiceRecords({ ...service(), serviceType: "_http._tcp" }, {
    addresses: ["10.0.0.1"],
  });
  assertEquals(parseServiceInstances(response(allRecords(other)), TYPE), []);
  // An SRV alone (answer to a follow-up query) names its instance too.
  assertEquals(parseServiceInstances(response([set.srv]), TYPE)[0].port, 8000);
});

Deno.test("instancesFromRecords sorts instances and keeps dots inside names", () => {
  const a = buildServiceRecords({ ...service(), instanceName: "beta" }, {
    addresses: ["10.0.0.2"],
  });
  const b = buildServiceRecords({ ...service(), instanceName: "Alpha" }, {
    addresses: ["10.0.0.1"],
  });
  const dotted: DnsRecord = { name: TYPE, type: "PTR", ttl: 10, data: `v1.2 box.${TYPE}` };
  const list = instancesFromRecords([...allRecords(a), ...allRecords(b), dotted], TYPE);
  assertEquals(list.map((i) => i.instanceName), ["Alpha", "beta", "v1.2 box"]);
});

Deno.test("compareInstanceNames is total and case-insensitive first", () => {
  const names = ["b", "B", "a (2)", "A", "a"];
  assertEquals(names.sort(compareInstanceNames), ["A", "a", "a (2)", "B", "b"]);
  assertEquals(compareInstanceNames("x", "x"), 0);
});

Deno.test("pickServer picks the lowest instance name among compatible resolved servers", () => {
  assertEquals(pickServer([]), undefined);
  const picked = pickServer([
    instance("p2pft server on zulu"),
    instance("P2pft server on beta"),
    instance("p2pft server on alpha", { port: 0 }), // unresolved
    instance("p2pft server on aardvark", { txt: { protovers: "999" } }), // incompatible
    instance("p2pft server on beta (2)"),
  ]);
  assertEquals(picked?.instanceName, "P2pft server on beta");
  // The order of the input does not matter.
  const same = [instance("b", { host: "y.local" }), instance("b", { host: "x.local" })];
  assertEquals(pickServer(same)?.host, "x.local");
  assertEquals(pickServer(same.reverse())?.host, "x.local");
  assertEquals(
    pickServer([instance("a", { txt: { protovers: "7" } })], { protocolVersion: 7 })?.instanceName,
    "a",
  );
});
