import assert from "node:assert/strict";
import {
  BAN_AFTER_BAD_CHUNKS,
  DECLINED_ALONE_MS,
  ENDGAME_LATE_MS,
  INITIAL_WINDOW,
  SEED_SPREAD_HOLD_MS,
} from "./constants.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { Scheduler } from "./scheduler.ts";

function field(size: number, held: number[]): Bitfield {
  const bits = new Bitfield(size);
  for (const index of held) bits.set(index);
  return bits;
}

Deno.test("rarest first: the chunk fewest sources hold is picked first", () => {
  const scheduler = new Scheduler(5, { random: () => 0 });
  scheduler.updateSource("big", field(5, [0, 1, 2, 3]));
  scheduler.updateSource("a", field(5, [0, 1, 2]));
  scheduler.updateSource("b", field(5, [0, 1]));
  // Availability: chunk 0 = 3, 1 = 3, 2 = 2, 3 = 1.
  const order: number[] = [];
  for (let i = 0; i < 4; i++) {
    const index = scheduler.pick("big")!;
    scheduler.markRequested("big", index);
    order.push(index);
    if (order.length === INITIAL_WINDOW) break;
  }
  assert.deepEqual(order, [3, 2, 0, 1].slice(0, order.length));
});

Deno.test("rarest first breaks ties at random, spreading a swarm over the file", () => {
  const first = new Set<number>();
  for (const roll of [0, 0.3, 0.6, 0.99]) {
    const scheduler = new Scheduler(4, { random: () => roll });
    scheduler.updateSource("seeder", Bitfield.full(4));
    first.add(scheduler.pick("seeder")!);
  }
  assert.deepEqual([...first].sort(), [0, 1, 2, 3]);
});

Deno.test("in order: chunks go in file order whatever their rarity, from the first", () => {
  const scheduler = new Scheduler(5, { random: () => 0.9, inOrder: true });
  scheduler.updateSource("big", field(5, [0, 1, 2, 3]));
  scheduler.updateSource("a", field(5, [0, 1, 2]));
  const order: number[] = [];
  for (let i = 0; i < INITIAL_WINDOW; i++) {
    const index = scheduler.pick("big")!;
    scheduler.markRequested("big", index);
    order.push(index);
  }
  assert.deepEqual(order, [0, 1, 2, 3].slice(0, INITIAL_WINDOW));
});

Deno.test("a peer is only asked for chunks it holds and that are not done", () => {
  const scheduler = new Scheduler(3, { done: field(3, [0]) });
  scheduler.updateSource("p", field(3, [0, 2]));
  assert.equal(scheduler.pick("p"), 2);
  scheduler.markRequested("p", 2);
  assert.equal(scheduler.pick("p"), undefined);
});

Deno.test("endgame: once every missing chunk is requested, idle peers duplicate late requests", () => {
  let now = 0;
  const scheduler = new Scheduler(2, { random: () => 0, now: () => now });
  scheduler.updateSource("slow", Bitfield.full(2));
  scheduler.updateSource("fast", Bitfield.full(2));
  scheduler.markRequested("slow", 0);
  now = 100;
  scheduler.markRequested("slow", 1);
  assert.equal(scheduler.inEndgame(), true);
  now = ENDGAME_LATE_MS;
  assert.equal(scheduler.pick("fast"), 0, "only the request sent at 0 is late");
  now = 100 + ENDGAME_LATE_MS - 1;
  scheduler.markRequested("fast", 0);
  assert.equal(scheduler.pick("fast"), undefined, "chunk 1 is not late yet, 0 just went twice");
  scheduler.markFailed("fast", 0);
  now += ENDGAME_LATE_MS;
  const duplicate = scheduler.pick("fast")!;
  assert.ok(duplicate === 0 || duplicate === 1);
  scheduler.markRequested("fast", duplicate);
  const losers = scheduler.markDone("fast", duplicate);
  assert.deepEqual(losers, ["slow"], "the slower copy is to be cancelled");
  assert.equal(scheduler.source("slow")!.inFlight.has(duplicate), false);
});

Deno.test("no endgame while some missing chunk is still unrequested", () => {
  const scheduler = new Scheduler(3);
  scheduler.updateSource("a", field(3, [0]));
  scheduler.updateSource("b", Bitfield.full(3));
  scheduler.markRequested("a", 0);
  assert.equal(scheduler.inEndgame(), false);
  assert.notEqual(scheduler.pick("b"), 0, "b gets a fresh chunk, not a duplicate");
});

Deno.test("a peer sending bad chunks is banned after repeated failures", () => {
  const scheduler = new Scheduler(8);
  scheduler.updateSource("liar", Bitfield.full(8));
  scheduler.updateSource("honest", Bitfield.full(8));
  for (let i = 0; i < BAN_AFTER_BAD_CHUNKS; i++) {
    scheduler.markRequested("liar", i);
    const banned = scheduler.markBad("liar", i);
    assert.equal(banned, i === BAN_AFTER_BAD_CHUNKS - 1);
  }
  assert.equal(scheduler.source("liar")!.banned, true);
  assert.equal(scheduler.pick("liar"), undefined);
  assert.deepEqual(scheduler.usableSources(), ["honest"]);
  assert.equal(scheduler.availability(0), 1, "a banned peer no longer counts as a source");
});

Deno.test("a ban outlives the source: removed, re-listed or announced again, it stays banned", () => {
  const scheduler = new Scheduler(8);
  scheduler.updateSource("liar", Bitfield.full(8));
  for (let i = 0; i < BAN_AFTER_BAD_CHUNKS; i++) scheduler.markBad("liar", i);
  scheduler.removeSource("liar");
  scheduler.updateSource("liar", Bitfield.full(8));
  scheduler.addChunks("liar", [0, 1]);
  assert.equal(scheduler.isBanned("liar"), true);
  assert.equal(scheduler.source("liar"), undefined, "not added back");
  assert.deepEqual(scheduler.usableSources(), []);
  assert.equal(scheduler.canProgress(), false);
});

Deno.test("bad chunks count for the whole download: leaving does not clear them", () => {
  const scheduler = new Scheduler(8);
  scheduler.updateSource("liar", Bitfield.full(8));
  for (let i = 0; i < BAN_AFTER_BAD_CHUNKS - 1; i++) scheduler.markBad("liar", i);
  scheduler.retainSources(new Set());
  scheduler.updateSource("liar", Bitfield.full(8));
  assert.equal(scheduler.source("liar")!.badChunks, BAN_AFTER_BAD_CHUNKS - 1);
  assert.equal(scheduler.markBad("liar", 7), true, "one more bad chunk bans it");
  assert.equal(scheduler.markBad("liar", 6), false, "banned once, not again");
  assert.deepEqual(scheduler.usableSources(), []);
});

Deno.test("a source that leaves gives back its requests; a chunk it lacks after all is not asked again", () => {
  const scheduler = new Scheduler(4, { random: () => 0 });
  scheduler.updateSource("a", Bitfield.full(4));
  scheduler.updateSource("b", Bitfield.full(4));
  scheduler.markRequested("a", 0);
  scheduler.markRequested("a", 1);
  assert.deepEqual(scheduler.removeSource("a").sort(), [0, 1]);
  assert.equal(scheduler.inEndgame(), false);
  scheduler.markRequested("b", 2);
  scheduler.markUnavailable("b", 2);
  assert.equal(scheduler.source("b")!.chunks.has(2), false);
  scheduler.retainSources(new Set());
  assert.deepEqual(scheduler.usableSources(), []);
  assert.equal(scheduler.canProgress(), false);
});

Deno.test("sources holding fewer chunks come first, so seeders get what no one else has", () => {
  const scheduler = new Scheduler(4, { random: () => 0 });
  scheduler.updateSource("seeder", Bitfield.full(4));
  scheduler.updateSource("half", field(4, [0, 1]));
  scheduler.updateSource("one", field(4, [2]));
  assert.deepEqual(scheduler.usableSources(), ["one", "half", "seeder"]);
  for (const peerId of scheduler.usableSources()) {
    const index = scheduler.pick(peerId)!;
    scheduler.markRequested(peerId, index);
  }
  assert.deepEqual(scheduler.source("seeder")!.inFlight, new Set([3]));
});

Deno.test("a lone source is walked in file order from a random start; a swarm picks at random", () => {
  const lone = new Scheduler(6, { random: () => 0.5 });
  lone.updateSource("only", Bitfield.full(6));
  const order: number[] = [];
  for (let i = 0; i < INITIAL_WINDOW; i++) {
    const index = lone.pick("only")!;
    lone.markRequested("only", index);
    order.push(index);
  }
  assert.deepEqual(order, [3, 4, 5, 0].slice(0, INITIAL_WINDOW));
  const rolls = [0.5, 0.99];
  const swarm = new Scheduler(6, { random: () => rolls.shift() ?? 0 });
  swarm.updateSource("a", Bitfield.full(6));
  swarm.updateSource("b", Bitfield.full(6));
  assert.equal(swarm.pick("a"), 5, "the tie-break uses the random roll, not the start");
});

Deno.test("chunks announced by a peer make it a source at once", () => {
  const scheduler = new Scheduler(4);
  scheduler.addChunks("newcomer", [2]);
  assert.equal(scheduler.pick("newcomer"), 2);
  scheduler.addChunks("newcomer", [3]);
  assert.deepEqual(scheduler.source("newcomer")!.chunks.indexes(), [2, 3]);
});

Deno.test("a download wanting some chunks asks only for them and is complete once they are in", () => {
  const scheduler = new Scheduler(8, { random: () => 0.5, wanted: field(8, [3, 4, 5]) });
  scheduler.updateSource("seeder", Bitfield.full(8));
  scheduler.updateSource("other", field(8, [0, 1, 2, 6, 7]));
  assert.equal(scheduler.canProgress(), true);
  const picked: number[] = [];
  while (scheduler.room("seeder") > 0 && picked.length < 3) {
    const index = scheduler.pick("seeder");
    if (index === undefined) break;
    scheduler.markRequested("seeder", index);
    picked.push(index);
    if (scheduler.room("seeder") === 0) scheduler.markDone("seeder", picked[0]);
  }
  assert.deepEqual(picked.sort(), [3, 4, 5]);
  assert.equal(scheduler.pick("other"), undefined, "a source of unwanted chunks only is not asked");
  assert.equal(scheduler.inEndgame(), true);
  for (const index of picked) scheduler.markDone("seeder", index);
  assert.equal(scheduler.complete, true);
  assert.equal(scheduler.done.complete, false, "the unwanted chunks stay missing");
  assert.equal(scheduler.canProgress(), false);
});

Deno.test("a chunk a seeder declined is asked of the swarm, and of it again once the hold is over", () => {
  let now = 1_000;
  const scheduler = new Scheduler(2, { random: () => 0, now: () => now });
  scheduler.updateSource("seeder", Bitfield.full(2));
  assert.equal(scheduler.declinedUntil(), undefined);
  scheduler.markRequested("seeder", 0);
  scheduler.markDeclined("seeder", 0);
  assert.equal(scheduler.source("seeder")!.inFlight.size, 0);
  assert.equal(scheduler.pick("seeder"), 1, "the seeder is asked for another chunk");
  scheduler.markRequested("seeder", 1);
  assert.equal(scheduler.pick("seeder"), undefined, "not chunk 0, not even as a duplicate");
  scheduler.updateSource("peer", field(2, [0]));
  assert.equal(scheduler.pick("peer"), 0, "the swarm is asked for it");
  assert.equal(scheduler.declinedUntil(), 1_000 + SEED_SPREAD_HOLD_MS);
  now += SEED_SPREAD_HOLD_MS;
  assert.equal(scheduler.declinedUntil(), undefined);
  scheduler.removeSource("peer");
  assert.equal(scheduler.pick("seeder"), 0, "the hold is over (and the swarm's holder left)");
});

Deno.test("a declined chunk no longer missing is not waited for", () => {
  const scheduler = new Scheduler(2, { now: () => 0 });
  scheduler.updateSource("seeder", Bitfield.full(2));
  scheduler.updateSource("peer", field(2, [0]));
  scheduler.markDeclined("seeder", 0);
  assert.equal(scheduler.declinedUntil(), SEED_SPREAD_HOLD_MS);
  scheduler.markDone("seeder", 0);
  assert.equal(scheduler.declinedUntil(), undefined);
});

Deno.test("a seeder is spared chunks a downloader about as fast holds; a slow one does not spare it", () => {
  const scheduler = new Scheduler(4, { random: () => 0 });
  scheduler.updateSource("seeder", Bitfield.full(4));
  scheduler.updateSource("peer", field(4, [0, 1, 2]));
  assert.equal(scheduler.pick("seeder"), 3, "only the chunk no downloader holds");
  scheduler.markRequested("seeder", 3);
  assert.equal(scheduler.pick("seeder"), undefined, "the rest is left to the downloader");
  assert.equal(scheduler.inEndgame(), false);
  // Measured: the downloader delivers one chunk in 3 s, the seeder one in 1 s.
  for (const [i, at] of [0, 1_000, 2_000].entries()) {
    scheduler.markDone("seeder", 3, { now: at + i });
  }
  scheduler.markRequested("peer", 0);
  scheduler.markDone("peer", 0, { now: 0 });
  scheduler.markRequested("peer", 1);
  scheduler.markDone("peer", 1, { now: 3_000 });
  assert.equal(scheduler.pick("seeder"), 2, "a downloader three times slower does not spare it");
});

Deno.test("with seeders alone, none is spared anything", () => {
  const scheduler = new Scheduler(2, { random: () => 0 });
  scheduler.updateSource("one", Bitfield.full(2));
  scheduler.updateSource("two", Bitfield.full(2));
  assert.equal(scheduler.pick("one"), 0);
  scheduler.markRequested("one", 0);
  assert.equal(scheduler.pick("two"), 1);
});

Deno.test("endgame: a request is late only once its source is behind its own pace", () => {
  let now = 0;
  const scheduler = new Scheduler(6, { random: () => 0, now: () => now });
  scheduler.updateSource("slow", Bitfield.full(6));
  scheduler.updateSource("other", Bitfield.full(6));
  for (const [i, at] of [0, 800, 1_600].entries()) {
    scheduler.markRequested("slow", i);
    scheduler.markDone("slow", i, { now: at });
  }
  assert.equal(scheduler.source("slow")!.deliveryIntervalMs, 800);
  now = 10_000;
  for (let i = 3; i < 6; i++) scheduler.markRequested(i < 5 ? "slow" : "other", i);
  assert.equal(scheduler.inEndgame(), true);
  // "slow" has 2 requests in flight at 800 ms each: late after 1,600 ms more than usual.
  now += ENDGAME_LATE_MS + 1_600 - 1;
  assert.equal(scheduler.pick("other"), undefined, "still within the slow source's pace");
  now += 1;
  assert.equal(scheduler.pick("other"), 3);
});

Deno.test("endgame: a seeder gets duplicates of chunks a downloader holds only twice as late", () => {
  let now = 0;
  const scheduler = new Scheduler(2, { random: () => 0, now: () => now });
  scheduler.updateSource("seeder", Bitfield.full(2));
  scheduler.updateSource("a", field(2, [0]));
  scheduler.updateSource("b", field(2, [0]));
  scheduler.markRequested("a", 0);
  scheduler.markRequested("seeder", 1);
  assert.equal(scheduler.inEndgame(), true);
  now = ENDGAME_LATE_MS;
  assert.equal(scheduler.pick("b"), 0, "a downloader duplicates a late request at once");
  assert.equal(scheduler.pick("seeder"), undefined, "the seeder waits");
  now = 2 * ENDGAME_LATE_MS;
  assert.equal(scheduler.pick("seeder"), 0);
});

Deno.test("a downloader whose request stalled spares the seeder nothing until it delivers again", () => {
  const scheduler = new Scheduler(2, { random: () => 0 });
  scheduler.updateSource("seeder", Bitfield.full(2));
  scheduler.updateSource("stuck", field(2, [0]));
  scheduler.markRequested("stuck", 0);
  assert.equal(scheduler.pick("seeder"), 1);
  scheduler.markRequested("seeder", 1);
  assert.equal(scheduler.pick("seeder"), undefined, "chunk 0 waits for the downloader");
  scheduler.markStalled("stuck", 0);
  assert.equal(scheduler.source("stuck")!.stalled, true);
  assert.equal(scheduler.pick("seeder"), 0, "it stalled: the seeder is asked");
  scheduler.markRequested("stuck", 0);
  scheduler.markDone("stuck", 0);
  assert.equal(scheduler.source("stuck")!.stalled, false);
});

Deno.test("a source's room follows its window: it grows as it delivers and halves on a stall", () => {
  const scheduler = new Scheduler(64);
  scheduler.updateSource("p", Bitfield.full(64));
  assert.equal(scheduler.room("p"), INITIAL_WINDOW);
  for (let i = 0; i < 4; i++) {
    scheduler.markRequested("p", i);
    scheduler.markDone("p", i, { now: i });
  }
  assert.equal(scheduler.room("p"), INITIAL_WINDOW + 2);
  scheduler.markRequested("p", 50);
  assert.equal(scheduler.room("p"), INITIAL_WINDOW + 1);
  scheduler.markStalled("p", 50);
  assert.equal(scheduler.room("p"), Math.floor((INITIAL_WINDOW + 2) / 2));
  assert.equal(scheduler.source("p")!.stalled, true);
});

Deno.test("a declined chunk no other source holds is asked of the decliner again soon", () => {
  let now = 1_000;
  const scheduler = new Scheduler(2, { random: () => 0, now: () => now });
  scheduler.updateSource("seeder", Bitfield.full(2));
  scheduler.updateSource("peer", field(2, [0]));
  scheduler.markRequested("seeder", 0);
  scheduler.markDeclined("seeder", 0);
  assert.equal(scheduler.declinedUntil(), 1_000 + SEED_SPREAD_HOLD_MS, "the swarm has it");
  scheduler.removeSource("peer");
  assert.equal(scheduler.declinedUntil(), 1_000 + DECLINED_ALONE_MS, "its holder left");
  scheduler.markRequested("seeder", 1);
  assert.equal(scheduler.pick("seeder"), undefined, "not at once: no loop of declines");
  now += DECLINED_ALONE_MS;
  assert.equal(scheduler.pick("seeder"), 0);
});
