import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
// @ts-types="@types/dns-packet"
import * as dnsPacket from "dns-packet";
import {
  compareProbeRecords,
  type DnsMessage,
  type DnsRecord,
  fromPacket,
  recordKey,
  sameRecord,
  toPacket,
} from "./dns_records.ts";
import { buildServiceRecords } from "./dns_sd.ts";

const TYPE = "_p2p-transfer._tcp.local";

function service(host = "alpha") {
  return { instanceName: "p2pft server on alpha", serviceType: TYPE, port: 8000, host };
}

/** `message` sent through dns-packet's encoder and decoder, as it crosses the wire. */
function overTheWire(message: DnsMessage): DnsMessage {
  return fromPacket(dnsPacket.decode(dnsPacket.encode(toPacket(message))));
}

Deno.test("every record type survives dns-packet's encoding, flush bit and TXT bytes included", () => {
  const set = buildServiceRecords(service(), { addresses: ["10.0.0.1", "fd00::1"] });
  const message: DnsMessage = {
    type: "response",
    id: 7,
    questions: [{ name: TYPE, type: "PTR", unicastResponse: false }],
    answers: [set.ptr, set.srv],
    authorities: [set.txt],
    additionals: [...set.addresses, set.enumeration],
  };
  const received = overTheWire(message);
  const plain = (records: DnsRecord[]) => records.map((r) => ({ flush: false, ...r }));
  assertEquals(received, {
    ...message,
    answers: plain(message.answers),
    authorities: plain(message.authorities),
    additionals: plain(message.additionals),
  });
});

Deno.test("fromPacket reads the QU bit of a question", () => {
  const wire = dnsPacket.encode({ type: "query", questions: [{ name: "a.local", type: "A" }] });
  assertEquals(fromPacket(dnsPacket.decode(wire)).questions[0].unicastResponse, false);
  // The question ends the packet; the QU bit is the top bit of its class (RFC 6762 §5.4).
  wire[wire.length - 2] |= 0x80;
  assertEquals(fromPacket(dnsPacket.decode(wire)).questions, [
    { name: "a.local", type: "A", unicastResponse: true },
  ]);
});

Deno.test("fromPacket leaves out the record types discovery ignores", () => {
  const message = fromPacket({
    type: "response",
    answers: [
      { name: "a.local", type: "CNAME", ttl: 10, data: "b.local" },
      { name: "a.local", type: "A", ttl: 10, data: "10.0.0.1" },
    ],
  });
  assertEquals(message.answers, [
    { name: "a.local", type: "A", ttl: 10, flush: false, data: "10.0.0.1" },
  ]);
});

Deno.test("toPacket drops the zone of an IPv6 address, which means nothing elsewhere", () => {
  const record: DnsRecord = { name: "a.local", type: "AAAA", ttl: 120, data: "fe80::1%eth0" };
  const [answer] = toPacket({ type: "response", answers: [record] }).answers;
  assertEquals(answer.type === "AAAA" && answer.data, "fe80::1");
});

Deno.test("records are the same by name, type and data, whatever the case, TTL or address form", () => {
  const a: DnsRecord = {
    name: "Alpha.local",
    type: "AAAA",
    ttl: 120,
    flush: true,
    data: "fd00:0::1",
  };
  const b: DnsRecord = { name: "alpha.local.", type: "AAAA", ttl: 0, data: "FD00::1" };
  assert(sameRecord(a, b));
  assert(!sameRecord(a, { ...b, data: "fd00::2" }));
  assert(!sameRecord(a, { ...b, type: "A", data: "10.0.0.1" }));
  const srv = buildServiceRecords(service(), { addresses: [] }).srv;
  const upper = { ...srv, data: { ...srv.data, target: "ALPHA.local" } };
  assertEquals(recordKey(srv), recordKey(upper));
  assert(!sameRecord(srv, { ...srv, data: { ...srv.data, port: 8001 } }));
  const txt: DnsRecord = { name: "x", type: "TXT", ttl: 1, data: [new Uint8Array([1, 2])] };
  assert(!sameRecord(txt, { ...txt, data: [new Uint8Array([1]), new Uint8Array([2])] }));
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
