import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import {
  MAX_RENAME_ATTEMPTS,
  PROBE_COUNT,
  PROBE_RATE_LIMIT_CONFLICTS,
  PROBE_RATE_LIMIT_DELAY_MS,
  PROBE_TIEBREAK_DELAY_MS,
} from "./constants.ts";
import type { DnsMessage, DnsRecord, OutgoingMessage } from "./dns_records.ts";
import { buildServiceRecords, type ServiceRecordSet, uniqueRecords } from "./dns_sd.ts";
import { type ClaimedNames, probeOutcomeOf, Prober } from "./prober.ts";

const TYPE = "_p2p-transfer._tcp.local";

function build(names: ClaimedNames, address = "10.0.0.1"): ServiceRecordSet {
  return buildServiceRecords({ ...names, serviceType: TYPE, port: 8000 }, {
    addresses: [address],
  });
}

function message(type: DnsMessage["type"], sections: Partial<DnsMessage>): DnsMessage {
  return { type, id: 0, questions: [], answers: [], authorities: [], additionals: [], ...sections };
}

/**
 * A prober on a fake socket: `answer` is called with each probe sent and
 * returns what the link answers (heard at once); delays return at once and
 * are recorded.
 */
function fakeProber(answer: (probe: OutgoingMessage) => DnsMessage[] = () => []) {
  const sent: OutgoingMessage[] = [];
  const delays: number[] = [];
  const controller = new AbortController();
  const prober: Prober = new Prober({
    send(probe) {
      sent.push(probe);
      for (const heard of answer(probe)) prober.hear(heard);
      return Promise.resolve();
    },
  }, {
    build: (names) => build(names),
    signal: controller.signal,
    delay: (ms, signal) => {
      delays.push(ms);
      signal.throwIfAborted();
      return Promise.resolve();
    },
    random: () => 0.5,
  });
  return { prober, sent, delays, controller };
}

const ALPHA: ClaimedNames = { instanceName: "p2pft server on alpha", host: "alpha" };

/** The SRV name and host a probe asks about. */
function probedNames(probe: OutgoingMessage): string[] {
  return (probe.questions ?? []).map((q) => `${q.name} ${q.type}`);
}

Deno.test("names nobody answers for are claimed after three probes", async () => {
  const { prober, sent, delays } = fakeProber();
  const claim = await prober.claim(ALPHA);
  assertEquals(claim, { names: ALPHA, records: build(ALPHA) });
  assertEquals(sent.length, PROBE_COUNT);
  assertEquals(probedNames(sent[0]), [
    `p2pft server on alpha.${TYPE} ANY`,
    "alpha.local ANY",
  ]);
  assertEquals(sent[0].authorities, uniqueRecords(build(ALPHA)));
  // A random wait (half of 250 ms here), then 250 ms after each probe.
  assertEquals(delays, [125, 250, 250, 250]);
});

Deno.test('a taken instance name becomes "name (2)", a taken host name "host-2"', async () => {
  const owner = build({ instanceName: ALPHA.instanceName, host: "other" }, "10.0.0.2");
  const hostOwner = build({ instanceName: "other", host: "alpha" }, "10.0.0.3");
  const { prober, sent } = fakeProber((probe) => {
    const asked = probedNames(probe).join();
    const answers: DnsMessage[] = [];
    if (asked.startsWith(`p2pft server on alpha.${TYPE}`)) {
      answers.push(message("response", { answers: [owner.srv] }));
    }
    if (asked.includes("alpha.local ")) {
      answers.push(message("response", { answers: hostOwner.addresses }));
    }
    return answers;
  });
  const claim = await prober.claim(ALPHA);
  assertEquals(claim.names, { instanceName: "p2pft server on alpha (2)", host: "alpha-2" });
  // The last answer heard decides a round: the host conflict, then the instance one.
  assertEquals(sent.map((probe) => probedNames(probe)[0].split(".")[0]), [
    "p2pft server on alpha",
    "p2pft server on alpha",
    "p2pft server on alpha (2)",
    "p2pft server on alpha (2)",
    "p2pft server on alpha (2)",
  ]);
});

Deno.test("our own probes, identical records and goodbyes are no conflict", async () => {
  const ours = build(ALPHA);
  const { prober, sent } = fakeProber((probe) => [
    message("query", { authorities: probe.authorities as DnsRecord[] }),
    message("response", { answers: [ours.srv, ...ours.addresses] }),
    message("response", { answers: [{ ...build({ ...ALPHA, host: "x" }).srv, ttl: 0 }] }),
  ]);
  assertEquals((await prober.claim(ALPHA)).names, ALPHA);
  assertEquals(sent.length, PROBE_COUNT);
});

Deno.test("losing a simultaneous-probe tiebreak waits a second and probes the same names again", async () => {
  // "omega" sorts after "alpha" (same length: names start with their length byte),
  // so the other host's SRV data is later and it wins.
  const other = build({ ...ALPHA, host: "omega" });
  let rounds = 0;
  const { prober, delays } = fakeProber(() =>
    rounds++ === 0 ? [message("query", { authorities: [other.srv, other.txt] })] : []
  );
  assertEquals((await prober.claim(ALPHA)).names, ALPHA);
  assertEquals(delays, [125, 250, PROBE_TIEBREAK_DELAY_MS, 125, 250, 250, 250]);
  // Winning the tiebreak changes nothing.
  const loser = build({ ...ALPHA, host: "aaaaa" });
  const won = fakeProber(() => [message("query", { authorities: [loser.srv, loser.txt] })]);
  assertEquals((await won.prober.claim(ALPHA)).names, ALPHA);
  assertEquals(won.sent.length, PROBE_COUNT);
});

Deno.test("probing slows down after 15 conflicts and gives up after 64 renames", async () => {
  const { prober, delays } = fakeProber((probe) => {
    const srvName = (probe.questions ?? [])[0].name;
    const taken = build({ instanceName: srvName.split(".")[0], host: "other" }, "10.0.0.9");
    return [message("response", { answers: [taken.srv] })];
  });
  await rejects(
    prober.claim(ALPHA),
    new Error(
      `no free DNS-SD name found after ${MAX_RENAME_ATTEMPTS} renames of ` +
        `"${ALPHA.instanceName}": choose another instance name`,
    ),
  );
  const slow = delays.filter((ms) => ms === PROBE_RATE_LIMIT_DELAY_MS).length;
  assertEquals(slow, MAX_RENAME_ATTEMPTS - PROBE_RATE_LIMIT_CONFLICTS + 1);
});

Deno.test("an aborted claim rejects with the signal's reason", async () => {
  const { prober, controller } = fakeProber();
  controller.abort(new Error("closed"));
  await rejects(prober.claim(ALPHA), /closed/);
});

Deno.test("probeOutcomeOf tells instance and host conflicts apart", () => {
  const set = build(ALPHA);
  const otherInstance = build({ ...ALPHA, host: "beta" }, "10.0.0.2");
  const otherHost = build({ ...ALPHA, instanceName: "x" }, "10.0.0.2");
  assertEquals(
    probeOutcomeOf(message("response", { answers: [otherInstance.srv] }), set),
    "instance-conflict",
  );
  assertEquals(
    probeOutcomeOf(message("response", { additionals: otherHost.addresses }), set),
    "host-conflict",
  );
  assertEquals(probeOutcomeOf(message("response", { answers: [otherHost.srv] }), set), undefined);
  assertEquals(probeOutcomeOf(message("query", {}), set), undefined);
});
