import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { DnsMessage, DnsRecord } from "./dns_records.ts";
import {
  allRecords,
  answerQuery,
  buildServiceRecords,
  findConflicts,
  instancesFromRecords,
  isResolved,
  uniqueRecords,
} from "./dns_sd.ts";
import { decodeTxt, defaultTxt } from "./service_names.ts";

const TYPE = "_p2p-transfer._tcp.local";
const FULL = `p2pft server on alpha.${TYPE}`;

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
  assertEquals(uniqueRecords(set), [set.srv, set.txt, ...set.addresses]);
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
  const ours = uniqueRecords(set);
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

Deno.test("instancesFromRecords assembles an instance from PTR, SRV, TXT and addresses", () => {
  const set = records();
  const [instance] = instancesFromRecords(
    [set.ptr, set.srv, set.txt, ...set.addresses],
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

Deno.test("instancesFromRecords reports partial instances, goodbyes and ignores other types", () => {
  const set = records();
  const partial = instancesFromRecords([set.ptr], TYPE);
  assertEquals(partial.map((i) => [i.instanceName, i.host, i.port, i.addresses]), [
    ["p2pft server on alpha", "", 0, []],
  ]);
  assert(!isResolved(partial[0]));
  const bye = buildServiceRecords(service(), { addresses: ["10.0.0.1"], goodbye: true });
  const gone = instancesFromRecords(allRecords(bye), TYPE);
  assertEquals(gone.map((i) => [i.instanceName, i.ttl, i.addresses]), [
    ["p2pft server on alpha", 0, []],
  ]);
  assert(!isResolved(gone[0]));
  const other = buildServiceRecords({ ...service(), serviceType: "_http._tcp" }, {
    addresses: ["10.0.0.1"],
  });
  assertEquals(instancesFromRecords(allRecords(other), TYPE), []);
  // An SRV alone (answer to a follow-up query) names its instance too.
  assertEquals(instancesFromRecords([set.srv], TYPE)[0].port, 8000);
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
