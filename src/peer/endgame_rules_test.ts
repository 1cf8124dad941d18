import assert from "node:assert/strict";
import { ENDGAME_LATE_MS } from "./constants.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { heldByPeerAsFast, lateAfter } from "./endgame_rules.ts";
import { newSourceState, type SourceState } from "./source_state.ts";

function source(held: number[] | "all", more: Partial<SourceState> = {}): SourceState {
  const chunks = held === "all" ? Bitfield.full(4) : new Bitfield(4);
  if (held !== "all") { for (const index of held) chunks.set(index); }
  return { ...newSourceState(chunks, 0), ...more };
}

Deno.test("a request is late once its soonest source is behind its own pace", () => {
  const sources = new Map([
    ["slow", source("all", { deliveryIntervalMs: 800, inFlight: new Set([1, 2]) })],
    ["fresh", source("all", { inFlight: new Set([3]) })],
  ]);
  assert.equal(lateAfter(sources, ["slow"]), ENDGAME_LATE_MS + 1_600);
  assert.equal(lateAfter(sources, ["slow", "fresh"]), ENDGAME_LATE_MS, "the soonest counts");
  assert.equal(lateAfter(sources, ["gone"]), ENDGAME_LATE_MS, "a source that left counts as none");
});

Deno.test("a seeder is spared chunks a downloader about as fast holds; a slow one does not spare it", () => {
  const sources = new Map([
    ["seeder", source("all", { deliveryIntervalMs: 1_000 })],
    ["peer", source([0, 1, 2])],
  ]);
  const spared = (index: number) => heldByPeerAsFast(sources, { index, peerId: "seeder" });
  assert.equal(spared(0), true, "a downloader not measured yet counts as about as fast");
  assert.equal(spared(3), false, "no downloader holds chunk 3");
  sources.get("peer")!.deliveryIntervalMs = 2_000;
  assert.equal(spared(0), true, "twice as slow is about as fast");
  sources.get("peer")!.deliveryIntervalMs = 3_000;
  assert.equal(spared(0), false, "three times slower does not spare it");
});

Deno.test("with seeders alone, or a downloader stalled or banned, none is spared anything", () => {
  const sources = new Map([["one", source("all")], ["two", source("all")]]);
  assert.equal(heldByPeerAsFast(sources, { index: 0, peerId: "one" }), false);
  sources.set("stuck", source([0], { stalled: true }));
  sources.set("liar", source([0], { banned: true }));
  assert.equal(heldByPeerAsFast(sources, { index: 0, peerId: "one" }), false);
  sources.get("stuck")!.stalled = false;
  assert.equal(heldByPeerAsFast(sources, { index: 0, peerId: "one" }), true);
});
