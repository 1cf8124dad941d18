import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { DnsRecord } from "./dns_records.ts";
import { RecordCache } from "./record_cache.ts";

const TYPE = "_p2p-transfer._tcp.local";
const FULL = `alpha.${TYPE}`;

/** A cache on a clock the test moves by hand, in milliseconds. */
function cacheWithClock() {
  const clock = { now: 0 };
  const cache = new RecordCache({ now: () => clock.now });
  return { clock, cache };
}

function ptr(ttl = 100, data = FULL): DnsRecord {
  return { name: TYPE, type: "PTR", ttl, data };
}

function srv(port: number, ttl = 120, flush = true): DnsRecord {
  return {
    name: FULL,
    type: "SRV",
    ttl,
    flush,
    data: { priority: 0, weight: 0, port, target: "alpha.local" },
  };
}

/** How many records are alive at each of `times`, moving the clock there. */
function countsAt(clock: { now: number }, cache: RecordCache, times: number[]): number[] {
  return times.map((time) => {
    clock.now = time;
    return cache.records().length;
  });
}

/** The TTLs of the records held now. */
function ttls(cache: RecordCache): number[] {
  return cache.records().map((r) => r.ttl);
}

Deno.test("a record lives for its TTL, reported with the TTL it has left", () => {
  const { clock, cache } = cacheWithClock();
  cache.add(ptr(100));
  assertEquals(cache.records(), [ptr(100)]);
  clock.now = 40_500;
  assertEquals(ttls(cache), [59]);
  clock.now = 99_999;
  assertEquals(ttls(cache), [0]);
  clock.now = 100_000;
  assertEquals(cache.records(), []);
  assertEquals(cache.size, 0);
});

Deno.test("hearing a record again starts its TTL again, and the same record is held once", () => {
  const { clock, cache } = cacheWithClock();
  cache.add(ptr(100));
  clock.now = 90_000;
  cache.add({ ...ptr(100), name: TYPE.toUpperCase() });
  assertEquals(cache.size, 1);
  clock.now = 150_000;
  assertEquals(ttls(cache), [40]);
  // Another instance of the type is another record.
  cache.add(ptr(100, `beta.${TYPE}`));
  assertEquals(cache.size, 2);
});

Deno.test("a goodbye (TTL 0) removes the record one second later", () => {
  const { clock, cache } = cacheWithClock();
  cache.add(ptr(100));
  clock.now = 10_000;
  cache.add(ptr(0));
  assertEquals(countsAt(clock, cache, [10_999, 11_000]), [1, 0]);
  // A goodbye for a record never heard stores nothing.
  cache.add(ptr(0));
  assertEquals(cache.size, 0);
});

Deno.test("a cache-flush record replaces older records of its name and type after a second", () => {
  const { clock, cache } = cacheWithClock();
  cache.add(srv(8000));
  cache.add(ptr(100));
  clock.now = 5_000;
  cache.add(srv(9000));
  assertEquals(countsAt(clock, cache, [5_999, 6_000]), [3, 2]);
  const ports = cache.records().flatMap((r) => r.type === "SRV" ? [r.data.port] : []);
  assertEquals(ports, [9000]);
  assertEquals(cache.records().filter((r) => r.type === "PTR").length, 1);
  // Records of the same packet (received within a second) do not flush each other.
  cache.add(srv(9001));
  assertEquals(cache.records().length, 3);
  // Without the flush bit, nothing is evicted.
  clock.now = 20_000;
  cache.add(srv(9002, 120, false));
  clock.now = 30_000;
  assertEquals(cache.records().length, 4);
});

Deno.test("a record is asked for again at 80, 85, 90 and 95% of its TTL, and not in its last second", () => {
  const { clock, cache } = cacheWithClock();
  cache.add(ptr(100));
  cache.add(srv(8000, 100));
  const all = () => true;
  const asked: [number, string[]][] = [];
  for (clock.now = 0; clock.now < 100_000; clock.now += 250) {
    const questions = cache.refreshQuestions(all);
    if (questions.length > 0) asked.push([clock.now, questions.map((q) => q.type)]);
  }
  const both = ["PTR", "SRV"];
  assertEquals(asked, [[80_000, both], [85_000, both], [90_000, both], [95_000, both]]);
  // Unwanted records are not asked for; hearing a record again starts over.
  const again = cacheWithClock();
  again.cache.add(ptr(100));
  again.clock.now = 80_000;
  assertEquals(again.cache.refreshQuestions(() => false), []);
  again.cache.add(ptr(100));
  assertEquals(again.cache.refreshQuestions(all), []);
  again.clock.now = 160_000;
  assertEquals(again.cache.refreshQuestions(all), [{ name: TYPE, type: "PTR" }]);
  // With a 4 s TTL, 80% leaves less than a second: too late to ask.
  const short = cacheWithClock();
  short.cache.add(ptr(4));
  short.clock.now = 3_200;
  assertEquals(short.cache.refreshQuestions(all), []);
});

Deno.test("known answers are the PTR records with more than half their TTL left", () => {
  const { clock, cache } = cacheWithClock();
  cache.add(ptr(100));
  cache.add(srv(8000));
  clock.now = 49_000;
  assertEquals(cache.knownPtrAnswers(), [ptr(51)]);
  clock.now = 50_000;
  assertEquals(cache.knownPtrAnswers(), []);
});

Deno.test("isTarget tells the hosts that live SRV records point at", () => {
  const { clock, cache } = cacheWithClock();
  cache.add(srv(8000, 10));
  assertEquals([cache.isTarget("ALPHA.local."), cache.isTarget("beta.local")], [true, false]);
  clock.now = 10_000;
  cache.records();
  assertEquals(cache.isTarget("alpha.local"), false);
});
