import assert from "node:assert/strict";
import { BAN_AFTER_BAD_CHUNKS, MAX_PEER_RETRY_DELAY_MS, PEER_RETRY_DELAY_MS } from "./constants.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { DownloadSources } from "./download_sources.ts";
import { Scheduler } from "./scheduler.ts";

function sources(now = () => 0) {
  const scheduler = new Scheduler(4);
  return { scheduler, sources: new DownloadSources(scheduler, "me", { now }) };
}

function half(): string {
  const chunks = new Bitfield(4);
  chunks.set(1);
  return chunks.toBase64();
}

Deno.test("a lookup's answer sets the sources, their chunks and addresses", () => {
  const { scheduler, sources: book } = sources();
  book.update([
    { peerId: "a", address: "10.0.0.1:1" },
    { peerId: "b", address: "10.0.0.2:2", chunks: half() },
    { peerId: "c", address: "10.0.0.3:3", chunks: "not base64!" },
  ]);
  assert.deepEqual(scheduler.usableSources(), ["b", "a"]);
  assert.equal(scheduler.source("a")?.chunks.count, 4, "no bitfield means the whole file");
  assert.deepEqual([...scheduler.source("b")!.chunks.indexes()], [1]);
  assert.equal(book.address("b"), "10.0.0.2:2");
  assert.throws(() => book.address("c"), /unknown source/);
  book.update([{ peerId: "b", address: "10.0.0.2:2" }]);
  assert.deepEqual(scheduler.usableSources(), ["b"], "a source no longer listed is dropped");
});

Deno.test("a sampled list adds sources but drops none", () => {
  const { scheduler, sources: book } = sources();
  book.update([{ peerId: "a", address: "10.0.0.1:1" }]);
  book.update([{ peerId: "b", address: "10.0.0.2:2" }], { complete: false });
  assert.deepEqual(scheduler.usableSources().toSorted(), ["a", "b"]);
  book.update([{ peerId: "b", address: "10.0.0.2:2" }]);
  assert.deepEqual(scheduler.usableSources(), ["b"], "a complete list drops the absent");
});

Deno.test("this peer is never a source of its own, whole or in part", () => {
  const { scheduler, sources: book } = sources();
  book.update([{ peerId: "me", address: "127.0.0.1:1", chunks: half() }]);
  assert.deepEqual(scheduler.usableSources(), []);
  book.update([{ peerId: "me", address: "127.0.0.1:1" }, { peerId: "a", address: "10.0.0.1:1" }]);
  assert.deepEqual(scheduler.usableSources(), ["a"]);
  book.addChunks("me", { address: "127.0.0.1:1", chunks: [0] });
  assert.equal(scheduler.source("me"), undefined);
});

Deno.test("news of chunks adds a source; indexes beyond the file are ignored", () => {
  const { scheduler, sources: book } = sources();
  book.addChunks("d", { address: "10.0.0.4:4", chunks: [0, 3, 9] });
  assert.deepEqual([...scheduler.source("d")!.chunks.indexes()], [0, 3]);
  assert.equal(book.address("d"), "10.0.0.4:4");
});

Deno.test("a lost peer's address is left alone for a while, then used again", () => {
  let now = 1_000;
  const { scheduler, sources: book } = sources(() => now);
  book.update([{ peerId: "a", address: "10.0.0.1:1" }]);
  book.lost("a", "10.0.0.1:1");
  assert.deepEqual(scheduler.usableSources(), []);
  book.update([{ peerId: "a", address: "10.0.0.1:1" }]);
  book.addChunks("a", { address: "10.0.0.1:1", chunks: [0] });
  assert.deepEqual(scheduler.usableSources(), [], "set aside");
  now += PEER_RETRY_DELAY_MS;
  book.update([{ peerId: "a", address: "10.0.0.1:1" }]);
  assert.deepEqual(scheduler.usableSources(), ["a"]);
});

Deno.test("a peer that keeps failing is left alone twice as long each time, up to a bound", () => {
  let now = 0;
  const { scheduler, sources: book } = sources(() => now);
  const peer = { peerId: "a", address: "10.0.0.1:1" };
  const usableAfter = (ms: number) => {
    now += ms;
    book.update([peer]);
    return scheduler.usableSources().includes("a");
  };
  book.update([peer]);
  book.lost("a", peer.address);
  assert.equal(usableAfter(PEER_RETRY_DELAY_MS), true, "first failure: one delay");
  book.lost("a", peer.address);
  assert.equal(usableAfter(PEER_RETRY_DELAY_MS), false, "second failure: twice as long");
  assert.equal(usableAfter(PEER_RETRY_DELAY_MS), true);
  for (let i = 0; i < 20; i++) book.lost("a", peer.address);
  assert.equal(usableAfter(MAX_PEER_RETRY_DELAY_MS - 1), false);
  assert.equal(usableAfter(1), true, "never longer than the bound");
  book.served(peer.address);
  book.lost("a", peer.address);
  assert.equal(usableAfter(PEER_RETRY_DELAY_MS), true, "a served chunk forgives the failures");
});

Deno.test("a banned peer is never added back; a list of banned peers only is told apart", () => {
  const { scheduler, sources: book } = sources();
  const liar = { peerId: "liar", address: "10.0.0.9:9" };
  book.update([liar]);
  assert.equal(book.onlyBanned, false);
  for (let i = 0; i < BAN_AFTER_BAD_CHUNKS; i++) scheduler.markBad("liar", i % 4);
  assert.equal(book.onlyBanned, true);
  book.lost("liar", liar.address);
  book.update([liar]);
  book.addChunks("liar", { address: liar.address, chunks: [0] });
  assert.deepEqual(scheduler.usableSources(), []);
  assert.equal(book.onlyBanned, true);
  book.update([liar, { peerId: "honest", address: "10.0.0.1:1" }]);
  assert.deepEqual(scheduler.usableSources(), ["honest"]);
  assert.equal(book.onlyBanned, false);
  book.update([]);
  assert.equal(book.onlyBanned, false, "no one listed is not the same as only banned peers");
});

Deno.test("a lost address is reported once per download, however often it fails again", () => {
  let now = 0;
  const { sources: book } = sources(() => now);
  const peer = { peerId: "a", address: "10.0.0.1:1" };
  book.update([peer]);
  assert.equal(book.lost("a", peer.address), true, "the first loss is news");
  now += MAX_PEER_RETRY_DELAY_MS;
  book.update([peer]);
  assert.equal(book.lost("a", peer.address), false);
  book.served(peer.address);
  assert.equal(book.lost("a", peer.address), false, "still said already");
  assert.equal(book.lost("b", "10.0.0.2:2"), true, "another address is news");
});

Deno.test("ways says how the pool reaches each known source: direct, reversed or relayed", () => {
  const scheduler = new Scheduler(4);
  const sources = new DownloadSources(scheduler, "me");
  sources.update([
    { peerId: "a", address: "10.0.0.1:1" },
    { peerId: "b", address: "10.0.0.2:1" },
    { peerId: "c", address: "10.0.0.3:1" },
  ]);
  const ways = { "10.0.0.2:1": "reversed", "10.0.0.3:1": "relayed" } as const;
  const way = (address: string) => ways[address as keyof typeof ways];
  assert.deepEqual(sources.ways(["a", "b", "c", "unknown"], way), [
    { address: "10.0.0.1:1", way: "direct" },
    { address: "10.0.0.2:1", way: "reversed" },
    { address: "10.0.0.3:1", way: "relayed" },
  ]);
});
