import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  ANNOUNCE_INTERVAL_MS,
  LEGACY_UNICAST_MAX_TTL_S,
  MDNS_PORT,
  RESPONSE_MIN_DELAY_MS,
} from "./constants.ts";
import type { DnsMessage, OutgoingMessage } from "./dns_records.ts";
import { allRecords, buildServiceRecords, type ServiceRecordSet } from "./dns_sd.ts";
import type { MdnsRemote } from "./mdns_socket.ts";
import { Responder } from "./responder.ts";

const TYPE = "_p2p-transfer._tcp.local";
const FULL = `alpha.${TYPE}`;
const PEER: MdnsRemote = { address: "10.0.0.2", port: MDNS_PORT };

function build(instanceName = "alpha"): ServiceRecordSet {
  return buildServiceRecords({ instanceName, serviceType: TYPE, port: 8000, host: "alpha" }, {
    addresses: ["10.0.0.1"],
  });
}

function query(sections: Partial<DnsMessage>): DnsMessage {
  return {
    type: "query",
    id: 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    ...sections,
  };
}

/** A responder on a fake socket and a schedule the test runs by hand. */
function fakeResponder() {
  const sent: { message: OutgoingMessage; to?: MdnsRemote }[] = [];
  const scheduled: { ms: number; action: () => void; cancelled: boolean }[] = [];
  let conflicts = 0;
  const responder = new Responder({
    send(message, to) {
      sent.push(to ? { message, to } : { message });
      return Promise.resolve();
    },
  }, {
    onConflict: () => conflicts++,
    random: () => 0,
    schedule(action, ms) {
      const entry = { ms, action, cancelled: false };
      scheduled.push(entry);
      return () => entry.cancelled = true;
    },
  });
  /** Runs what is scheduled and not cancelled, in order (and what that schedules). */
  const runScheduled = () => {
    for (let i = 0; i < scheduled.length; i++) {
      if (!scheduled[i].cancelled) scheduled[i].action();
    }
    scheduled.length = 0;
  };
  return { responder, sent, scheduled, runScheduled, conflicts: () => conflicts };
}

/** A fake responder that has announced `set`, its sent and scheduled lists emptied. */
function announcedResponder(set = build()) {
  const fake = fakeResponder();
  fake.responder.announce(set);
  fake.sent.length = 0;
  fake.scheduled.length = 0;
  return { ...fake, set };
}

Deno.test("records are announced twice, one second apart", () => {
  const { responder, sent, scheduled, runScheduled } = fakeResponder();
  const set = build();
  responder.announce(set);
  assertEquals(sent, [{ message: { type: "response", answers: allRecords(set) } }]);
  assertEquals(scheduled.map((s) => s.ms), [ANNOUNCE_INTERVAL_MS]);
  runScheduled();
  assertEquals(sent.length, 2);
  assertEquals(sent[1], sent[0]);
  assertEquals(scheduled.length, 0);
});

Deno.test("a browse is answered after a short random delay, with SRV, TXT and A as additionals", () => {
  const { responder, sent, scheduled, runScheduled, set } = announcedResponder();
  responder.hear(query({ questions: [{ name: TYPE, type: "PTR" }] }), PEER);
  assertEquals(sent, []);
  assertEquals(scheduled.map((s) => s.ms), [RESPONSE_MIN_DELAY_MS]);
  runScheduled();
  assertEquals(sent, [{
    message: {
      type: "response",
      answers: [set.ptr],
      additionals: [set.srv, set.txt, ...set.addresses],
    },
  }]);
});

Deno.test("unique records are answered at once; QU questions by unicast", () => {
  const { responder, sent, set } = announcedResponder();
  responder.hear(query({ questions: [{ name: FULL, type: "SRV", unicastResponse: true }] }), PEER);
  assertEquals(sent, [{
    message: { type: "response", answers: [set.srv], additionals: set.addresses },
    to: PEER,
  }]);
});

Deno.test("a probe for our names is answered at once, even for shared records (defence)", () => {
  const { responder, sent, scheduled, set } = announcedResponder();
  const rival = { ...set.srv, data: { ...set.srv.data, port: 9000 } };
  responder.hear(query({ questions: [{ name: TYPE, type: "ANY" }], authorities: [rival] }), PEER);
  assertEquals(sent, [{
    message: {
      type: "response",
      answers: [set.ptr],
      additionals: [set.srv, set.txt, ...set.addresses],
    },
  }]);
  assertEquals(scheduled, []);
});

Deno.test("a legacy asker gets a unicast reply at once, with its id and TTLs of 10 s at most", () => {
  const { responder, sent, set } = announcedResponder();
  const legacy = { address: "10.0.0.3", port: 40_000 };
  const questions = [{ name: FULL, type: "TXT" }];
  responder.hear(query({ id: 42, questions }), legacy);
  const capped = { ...set.txt, ttl: LEGACY_UNICAST_MAX_TTL_S, flush: false };
  assertEquals(sent, [{
    message: { type: "response", id: 42, questions, answers: [capped], additionals: [] },
    to: legacy,
  }]);
});

Deno.test("known answers with half their TTL left are not repeated", () => {
  const { responder, sent, scheduled, set } = announcedResponder();
  responder.hear(query({ questions: [{ name: TYPE, type: "PTR" }], answers: [set.ptr] }), PEER);
  assertEquals([sent, scheduled], [[], []]);
});

Deno.test("another host's records for our names are a conflict; ours and goodbyes are not", () => {
  const { responder, conflicts } = fakeResponder();
  const set = build();
  responder.announce(set);
  const response = (answers: DnsMessage["answers"]): DnsMessage => ({
    ...query({ answers }),
    type: "response",
  });
  responder.hear(response(allRecords(set)), PEER);
  const rival = { ...set.srv, data: { ...set.srv.data, port: 9000 } };
  responder.hear(response([{ ...rival, ttl: 0 }]), PEER);
  assertEquals(conflicts(), 0);
  responder.hear(response([rival]), PEER);
  assertEquals(conflicts(), 1);
});

Deno.test("paused, it neither answers nor announces nor sends what was scheduled", () => {
  const { responder, sent, runScheduled, conflicts } = fakeResponder();
  const set = build();
  responder.announce(set);
  responder.hear(query({ questions: [{ name: TYPE, type: "PTR" }] }), PEER);
  responder.pause();
  runScheduled();
  responder.hear(query({ questions: [{ name: FULL, type: "SRV" }] }), PEER);
  responder.hear({
    ...query({ answers: [{ ...set.srv, data: { ...set.srv.data, port: 1 } }] }),
    type: "response",
  }, PEER);
  assertEquals([sent.length, conflicts()], [1, 0]);
});

Deno.test("after a rename, the old records are withdrawn and the new ones announced", () => {
  const { responder, sent } = fakeResponder();
  const before = build("alpha");
  responder.announce(before);
  sent.length = 0;
  const after = build("alpha (2)");
  responder.announce(after);
  // SRV, TXT and PTR named after the instance changed; the host's A and the enumeration did not.
  assertEquals(sent, [
    {
      message: {
        type: "response",
        answers: [before.ptr, before.srv, before.txt].map((r) => ({ ...r, ttl: 0 })),
      },
    },
    { message: { type: "response", answers: allRecords(after) } },
  ]);
});

Deno.test("stopping says goodbye with TTL 0 once, and drops what was scheduled", async () => {
  const { responder, sent, scheduled, runScheduled } = fakeResponder();
  const set = build();
  assertEquals(await responder.stop(), false);
  assertEquals(sent, []);
  responder.announce(set);
  sent.length = 0;
  assertEquals(await responder.stop(), true);
  assertEquals(sent, [{
    message: { type: "response", answers: allRecords(set).map((r) => ({ ...r, ttl: 0 })) },
  }]);
  assertEquals(scheduled.every((s) => s.cancelled), true);
  runScheduled();
  assertEquals(await responder.stop(), false);
  assertEquals(sent.length, 1);
});
