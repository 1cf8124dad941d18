import assert from "node:assert/strict";
import { Bitfield } from "../storage/bitfield.ts";
import { LookupError } from "../storage/file_lookup.ts";
import { ShareLimitError } from "../storage/share_limits.ts";
import { MAX_FILES_PER_PEER } from "../constants.ts";
import { type ChangeOrigin, type IndexChange, IndexStore } from "./index_store.ts";

const HASH = "c".repeat(64);
const ID_A = "abcd" + "0".repeat(60);
const ID_B = "abce" + "1".repeat(60);
const TIMEOUT_MS = 15_000;
const manifest = (name: string) => ({
  name,
  size: 10,
  chunkSize: 4,
  chunkHashes: [HASH, HASH, HASH],
});

function recorded(): { store: IndexStore; changes: [IndexChange, ChangeOrigin][] } {
  const store = new IndexStore({ timeoutMs: TIMEOUT_MS });
  const changes: [IndexChange, ChangeOrigin][] = [];
  store.onChange((change, origin) => changes.push([change, origin]));
  return { store, changes };
}

function twoPeers(store: IndexStore): void {
  store.join("p1", { address: "10.0.0.1:1", reachable: true, now: 0 });
  store.join("p2", { address: "10.0.0.2:2", reachable: false, now: 0 });
  store.share("p1", { fileId: ID_A, manifest: manifest("a.bin") });
  store.share("p2", { fileId: ID_A, manifest: manifest("a-copy.bin"), chunks: new Bitfield(3) });
  store.share("p2", { fileId: ID_B, manifest: manifest("b.bin") });
}

Deno.test("lookups by ID and prefix, sources and reachability", () => {
  const { store } = recorded();
  twoPeers(store);
  assert.equal(store.lookup("abcd").fileId, ID_A);
  assert.equal(store.lookup(ID_A).manifest.name, "a.bin", "the manifest is stored once");
  assert.equal(store.sources(ID_B).sources[0].peerId, "p2");
  assert.throws(() => store.lookup("abc"), LookupError);
  assert.throws(() => store.lookup("ab"), LookupError);
  assert.equal(store.reachable("p1"), true);
  assert.equal(store.reachable("p2"), false);
  assert.equal(store.reachable("p3"), undefined);
  assert.equal(store.addressOf("p2"), "10.0.0.2:2");
  assert.deepEqual(store.stats(), { peers: 2, files: 2, bytesIndexed: 20 });
});

Deno.test("listings come in pages", () => {
  const { store } = recorded();
  twoPeers(store);
  assert.deepEqual(store.files({ offset: 0, limit: 1 }).files.map((file) => file.name), ["a.bin"]);
  assert.deepEqual(store.files({ offset: 1, limit: 5 }).files.map((file) => file.name), ["b.bin"]);
  assert.equal(store.files({ offset: 1, limit: 5 }).total, 2);
  const peers = store.peers(1_000, { offset: 1, limit: 1 });
  assert.deepEqual(peers.peers.map((peer) => [peer.peerId, peer.lastSeenMs]), [["p2", 1_000]]);
  assert.equal(peers.total, 2);
});

Deno.test("leaving takes the peer's files with it, once", () => {
  const { store, changes } = recorded();
  twoPeers(store);
  assert.equal(store.leave("p2", "left"), true);
  assert.equal(store.leave("p2", "left"), false, "a second leave changes nothing");
  assert.throws(() => store.lookup(ID_B), LookupError);
  assert.equal(store.sources(ID_A).total, 1);
  assert.equal(store.hasPeer("p2"), false);
  assert.deepEqual(changes.at(-1), [{ type: "peerLeft", peerId: "p2", reason: "left" }, "local"]);
  assert.equal(changes.filter(([change]) => change.type === "peerLeft").length, 1);
});

Deno.test("a silent peer expires, a heard one does not; each expiry is announced", () => {
  const { store, changes } = recorded();
  twoPeers(store);
  store.seen("p1", 10_000);
  assert.deepEqual(store.expire(TIMEOUT_MS - 1), []);
  assert.deepEqual(store.expire(TIMEOUT_MS), ["p2"]);
  assert.deepEqual(changes.at(-1), [
    { type: "peerLeft", peerId: "p2", reason: "expired" },
    "local",
  ]);
  assert.deepEqual(store.expire(10_000 + TIMEOUT_MS), ["p1"]);
  assert.equal(store.stats().peers, 0);
  store.seen("p1", 50_000);
  assert.equal(store.hasPeer("p1"), false, "a heartbeat does not bring an expired peer back");
});

Deno.test("the change feed announces each local change with what replays it", () => {
  const { store, changes } = recorded();
  twoPeers(store);
  store.seen("p1", 5);
  store.have("p2", { fileId: ID_A, chunks: [1] });
  store.unshare("p2", ID_B);
  assert.deepEqual(changes.map(([change, origin]) => `${change.type} ${origin}`), [
    "peerJoined local",
    "peerJoined local",
    "shared local",
    "shared local",
    "shared local",
    "seen local",
    "have local",
    "unshared local",
  ]);
  assert.deepEqual(changes[1][0], {
    type: "peerJoined",
    peerId: "p2",
    address: "10.0.0.2:2",
    reachable: false,
    at: 0,
  });
  const partial = changes[3][0];
  assert.ok(partial.type === "shared" && partial.chunks === new Bitfield(3).toBase64());
  const full = changes[2][0];
  assert.ok(full.type === "shared" && !("chunks" in full), "a full holding carries no bitfield");

  const replica = recorded();
  for (const [change] of changes) assert.equal(replica.store.apply(change), true);
  assert.ok(replica.changes.every(([, origin]) => origin === "remote"));
  assert.deepEqual(replica.store.files(), store.files());
  assert.deepEqual(replica.store.peers(5), store.peers(5));
  assert.deepEqual(replica.store.sources(ID_A).total, 2);
  assert.equal(replica.store.isLocal("p1"), false);
  assert.equal(store.isLocal("p1"), true);
});

Deno.test("a failed local change announces nothing; a misfit remote one is refused quietly", () => {
  const { store, changes } = recorded();
  assert.throws(() => store.share("p9", { fileId: ID_A, manifest: manifest("a") }), LookupError);
  store.join("p1", { address: "10.0.0.1:1", reachable: true, now: 0 });
  for (let i = 0; i < MAX_FILES_PER_PEER; i++) {
    store.share("p1", { fileId: i.toString(16).padStart(64, "0"), manifest: manifest(`f${i}`) });
  }
  const before = changes.length;
  assert.throws(
    () => store.share("p1", { fileId: ID_A, manifest: manifest("a") }),
    ShareLimitError,
  );
  assert.throws(() => store.have("p1", { fileId: ID_A, chunks: [0] }), LookupError);
  assert.equal(changes.length, before);

  assert.equal(
    store.apply({ type: "shared", peerId: "p9", fileId: ID_A, manifest: manifest("a") }),
    false,
  );
  assert.equal(store.apply({ type: "have", peerId: "p9", fileId: ID_A, chunks: [0] }), false);
  assert.equal(store.apply({ type: "peerLeft", peerId: "p9", reason: "left" }), false);
  assert.equal(store.apply({ type: "seen", peerId: "p9", at: 1 }), false);
  assert.equal(store.apply({ type: "unshared", peerId: "p9", fileId: ID_A }), false);
  assert.equal(changes.length, before);
});

Deno.test("a remote peer expires like a local one unless its heartbeats are replayed", () => {
  const { store } = recorded();
  store.apply({ type: "peerJoined", peerId: "r1", address: "10.0.0.9:9", reachable: true, at: 0 });
  store.apply({ type: "peerJoined", peerId: "r2", address: "10.0.0.8:8", reachable: true, at: 0 });
  store.apply({ type: "seen", peerId: "r1", at: 10_000 });
  assert.deepEqual(store.expire(TIMEOUT_MS), ["r2"]);
});

Deno.test("re-joining replaces the peer's entry and forgets its files", () => {
  const { store } = recorded();
  twoPeers(store);
  store.join("p2", { address: "10.0.0.3:3", reachable: true, now: 1 });
  assert.throws(() => store.lookup(ID_B), LookupError);
  assert.equal(store.addressOf("p2"), "10.0.0.3:3");
  assert.equal(store.reachable("p2"), true);
});

Deno.test("a snapshot rebuilds the local peers on an empty store", () => {
  const { store } = recorded();
  twoPeers(store);
  store.apply({ type: "peerJoined", peerId: "r1", address: "10.0.0.9:9", reachable: true, at: 0 });
  const replica = new IndexStore({ timeoutMs: TIMEOUT_MS });
  for (const change of store.snapshot({ now: 0 })) assert.equal(replica.apply(change), true);
  assert.deepEqual(replica.files(), store.files());
  assert.equal(replica.hasPeer("r1"), false, "remote peers are left out by default");
  assert.equal([...store.snapshot({ now: 0, all: true })].length, 6);
});

Deno.test("a listener removed hears nothing more", () => {
  const store = new IndexStore({ timeoutMs: TIMEOUT_MS });
  let heard = 0;
  const remove = store.onChange(() => heard++);
  store.join("p1", { address: "10.0.0.1:1", reachable: true, now: 0 });
  remove();
  store.leave("p1", "left");
  assert.equal(heard, 1);
});

// How long this takes is measured by `deno task bench --scenario index`
// ("all leave"), never asserted here.
Deno.test("everyone leaving at once empties the store", () => {
  const store = new IndexStore({ timeoutMs: TIMEOUT_MS });
  const peers = 20_000;
  for (let p = 0; p < peers; p++) {
    store.join(`p${p}`, { address: `10.0.${p >> 8}.${p & 255}:1`, reachable: true, now: 0 });
    for (let f = 0; f < 3; f++) {
      const fileId = (p * 3 + f).toString(16).padStart(64, "0");
      store.share(`p${p}`, { fileId, manifest: manifest(`f${p}-${f}`) });
    }
  }
  for (let p = 0; p < peers; p++) store.leave(`p${p}`, "left");
  assert.deepEqual(store.stats(), { peers: 0, files: 0, bytesIndexed: 0 });
});
