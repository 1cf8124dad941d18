import assert from "node:assert/strict";
import {
  MAX_FILES_PER_PEER,
  MAX_MANIFEST_BYTES_PER_PEER,
  MAX_SOURCES_PER_REPLY,
} from "../constants.ts";
import { MAX_HAVE_FORWARDS } from "./constants.ts";
import { seededRandom } from "../test_random.ts";
import { Bitfield } from "./bitfield.ts";
import { FileIndex } from "./file_index.ts";
import { LookupError } from "./file_lookup.ts";
import { manifestCost, ShareLimitError } from "./share_limits.ts";

const HASH = "c".repeat(64);
const ID_A = "abcd" + "0".repeat(60);
const ID_B = "abce" + "1".repeat(60);
const manifest = (name: string) => ({
  name,
  size: 10,
  chunkSize: 4,
  chunkHashes: [HASH, HASH, HASH],
});

function index(): FileIndex {
  const files = new FileIndex();
  files.addPeer("p1", { address: "10.0.0.1:1", now: 0 });
  files.addPeer("p2", { address: "10.0.0.2:2", now: 0 });
  files.share("p1", { fileId: ID_A, manifest: manifest("a.bin") });
  files.share("p2", { fileId: ID_A, manifest: manifest("a-copy.bin"), chunks: new Bitfield(3) });
  files.share("p2", { fileId: ID_B, manifest: manifest("b.bin") });
  return files;
}

function expectLookupError(fn: () => unknown, code: string, pattern: RegExp) {
  assert.throws(fn, (error: Error) => {
    assert.ok(error instanceof LookupError);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("lookup by full ID, unique prefix and uppercase prefix", () => {
  const files = index();
  assert.equal(files.lookup(ID_A).fileId, ID_A);
  assert.equal(files.lookup("abcd").fileId, ID_A);
  assert.equal(files.lookup("ABCE1").fileId, ID_B);
  assert.equal(files.lookup(ID_A).manifest.name, "a.bin", "the first manifest is kept");
});

Deno.test("sources list holders; partial holders carry a bitfield, empty ones are left out", () => {
  const files = index();
  assert.deepEqual(files.lookup(ID_A).sources, [{ peerId: "p1", address: "10.0.0.1:1" }]);
  files.have("p2", { fileId: ID_A, chunks: [1] });
  const sources = files.lookup(ID_A).sources;
  assert.equal(sources.length, 2);
  assert.deepEqual(Bitfield.fromBase64(sources[1].chunks!, 3).indexes(), [1]);
  assert.throws(() => files.have("p2", { fileId: ID_A, chunks: [3] }), RangeError);
});

Deno.test("files disappear with their last holder", () => {
  const files = index();
  files.removePeer("p2");
  assert.equal(files.hasPeer("p2"), false);
  expectLookupError(() => files.lookup(ID_B), "not-found", /no file/);
  files.unshare("p1", ID_A);
  assert.deepEqual(files.files(), { files: [], total: 0 });
  assert.deepEqual(files.stats(), { peers: 1, files: 0, bytesIndexed: 0 });
});

Deno.test("a peer's holdings are listed as copies", () => {
  const files = index();
  files.have("p2", { fileId: ID_A, chunks: [2] });
  const held = files.holdingsOf("p2");
  assert.deepEqual(held.map((entry) => [entry.fileId, entry.chunks.indexes()]), [
    [ID_A, [2]],
    [ID_B, [0, 1, 2]],
  ]);
  held[0].chunks.set(0);
  const partial = files.sources(ID_A).sources.find((source) => source.peerId === "p2")!;
  assert.deepEqual(
    Bitfield.fromBase64(partial.chunks!, 3).indexes(),
    [2],
    "the index is untouched",
  );
  assert.deepEqual(files.holdingsOf("nobody"), []);
  assert.deepEqual([...files.peerIds()], ["p1", "p2"]);
});

Deno.test("summaries count sources, seeders, files and bytes", () => {
  const files = index();
  assert.deepEqual(files.files().files.map((f) => [f.name, f.sources, f.seeders]), [
    ["a.bin", 2, 1],
    ["b.bin", 1, 1],
  ]);
  assert.deepEqual(files.peers(500).peers.map((p) => [p.address, p.files, p.lastSeenMs]), [
    ["10.0.0.1:1", 1, 500],
    ["10.0.0.2:2", 2, 500],
  ]);
  assert.deepEqual(files.stats(), { peers: 2, files: 2, bytesIndexed: 20 });
  files.addPeer("p2", { address: "10.0.0.9:9", now: 1 });
  assert.equal(
    files.peers(1).peers.find((p) => p.peerId === "p2")!.files,
    0,
    "re-adding forgets holdings",
  );
});

Deno.test("a folder's summary counts its files, empty ones included and empty folders not", () => {
  const files = index();
  const entries = [
    { path: "a/x.bin", kind: "file" as const, size: 6 },
    { path: "a/zero", kind: "file" as const, size: 0 },
    { path: "empty", kind: "folder" as const, size: 0 },
    { path: "run.sh", kind: "executable" as const, size: 4 },
  ];
  const ID_C = "abcf" + "2".repeat(60);
  files.share("p1", { fileId: ID_C, manifest: { ...manifest("album"), entries } });
  assert.deepEqual(files.files().files.map((f) => [f.name, f.files]), [
    ["a.bin", undefined],
    ["album", 3],
    ["b.bin", undefined],
  ]);
  assert.equal("files" in files.files().files[0], false, "a file's summary has no count");
});

Deno.test("requests for unknown peers are refused", () => {
  const files = new FileIndex();
  expectLookupError(
    () => files.share("ghost", { fileId: ID_A, manifest: manifest("a") }),
    "not-found",
    /not registered/,
  );
});

Deno.test("the peers still downloading a file are the ones told of new chunks", () => {
  const files = index();
  files.addPeer("p3", { address: "10.0.0.3:3", now: 0 });
  files.share("p3", { fileId: ID_A, manifest: manifest("a"), chunks: new Bitfield(3) });
  assert.deepEqual(files.downloaders(ID_A, "p3"), ["p2"]);
  assert.deepEqual(files.downloaders(ID_A, "p1").sort(), ["p2", "p3"]);
  assert.equal(files.addressOf("p3"), "10.0.0.3:3");
  assert.equal(files.addressOf("nobody"), undefined);
});

/** A file ID made of `n` in hex, padded: distinct for distinct `n`. */
function idOf(n: number, prefix = ""): string {
  return (prefix + n.toString(16).padStart(8, "0")).padEnd(64, "0");
}

/** An index where `seeders` peers hold all of ID_A and `partial` peers hold chunk 0 of it. */
function crowded(options: { seeders: number; partial: number; random?: () => number }) {
  const files = new FileIndex({ random: options.random });
  for (let i = 0; i < options.seeders + options.partial; i++) {
    const peerId = i < options.seeders ? `s${i}` : `p${i}`;
    files.addPeer(peerId, { address: `10.0.${i >> 8}.${i & 255}:1`, now: 0 });
    const chunks = i < options.seeders ? undefined : new Bitfield(3);
    chunks?.set(0);
    files.share(peerId, { fileId: ID_A, manifest: manifest("a"), chunks });
  }
  return files;
}

const seedersIn = (sources: { peerId: string }[]) =>
  sources.filter((source) => source.peerId.startsWith("s")).length;

Deno.test("past MAX_SOURCES_PER_REPLY holders a reply is a sample, half seeders, with the total", () => {
  const files = crowded({ seeders: 100, partial: 100, random: seededRandom(3) });
  const { sources, total } = files.sources(ID_A);
  assert.equal(total, 200);
  assert.equal(sources.length, MAX_SOURCES_PER_REPLY);
  assert.equal(new Set(sources.map((source) => source.peerId)).size, MAX_SOURCES_PER_REPLY);
  assert.equal(seedersIn(sources), MAX_SOURCES_PER_REPLY / 2);
  assert.ok(sources.every((source) => source.peerId.startsWith("s") === !source.chunks));
  const looked = files.lookup("abcd");
  assert.deepEqual([looked.sources.length, looked.total], [MAX_SOURCES_PER_REPLY, 200]);

  const seen = new Set<string>();
  for (let ask = 0; ask < 30; ask++) {
    for (const source of files.sources(ID_A).sources) seen.add(source.peerId);
  }
  assert.equal(seen.size, 200, "repeated asks spread over every holder");

  const fewSeeders = crowded({ seeders: 3, partial: 200 }).sources(ID_A).sources;
  assert.equal(seedersIn(fewSeeders), 3, "a crowd of partial holders does not hide the seeders");
  assert.equal(fewSeeders.length, MAX_SOURCES_PER_REPLY);
  const fewPartial = crowded({ seeders: 200, partial: 2 }).sources(ID_A).sources;
  assert.equal(seedersIn(fewPartial), MAX_SOURCES_PER_REPLY - 2, "seeders fill the rest");
  assert.deepEqual(crowded({ seeders: 2, partial: 2 }).sources(ID_A).sources.length, 4);
  expectLookupError(() => files.sources(ID_B), "not-found", /no file with ID/);
});

Deno.test("a have is forwarded to at most MAX_HAVE_FORWARDS downloaders", () => {
  const files = crowded({ seeders: 1, partial: 300 });
  const told = files.downloaders(ID_A, "p1");
  assert.equal(told.length, MAX_HAVE_FORWARDS);
  assert.ok(told.every((peerId) => peerId.startsWith("p") && peerId !== "p1"));
});

Deno.test("listings come in pages, by name and by address, with the total", () => {
  const files = new FileIndex();
  for (let i = 0; i < 7; i++) {
    files.addPeer(`peer${i}`, { address: `10.0.0.${7 - i}:1`, now: 0 });
    files.share(`peer${i}`, { fileId: idOf(i, "f"), manifest: manifest(`file${i}.bin`) });
  }
  const page = files.files({ offset: 2, limit: 3 });
  assert.equal(page.total, 7);
  assert.deepEqual(page.files.map((file) => file.name), ["file2.bin", "file3.bin", "file4.bin"]);
  assert.deepEqual(files.files({ offset: 6, limit: 3 }).files.map((file) => file.name), [
    "file6.bin",
  ]);
  assert.deepEqual(files.files({ offset: 9 }), { files: [], total: 7 });
  const peers = files.peers(0, { limit: 2 });
  assert.equal(peers.total, 7);
  assert.deepEqual(peers.peers.map((peer) => peer.address), ["10.0.0.1:1", "10.0.0.2:1"]);
  files.removePeer("peer6");
  assert.deepEqual(files.peers(0, { limit: 1 }).peers.map((peer) => peer.peerId), ["peer5"]);
  assert.equal(files.files().total, 6);
});

Deno.test("prefix lookups agree with a scan of every ID", () => {
  const random = seededRandom(11);
  const files = new FileIndex();
  const ids: string[] = [];
  for (let p = 0; p < 3; p++) {
    files.addPeer(`p${p}`, { address: `10.0.0.${p}:1`, now: 0 });
    for (let i = 0; i < 3_000; i++) {
      const id = idOf(Math.floor(random() * 0xffff_ffff)).slice(0, 8).padEnd(64, String(p));
      ids.push(id);
      files.share(`p${p}`, { fileId: id, manifest: manifest(id) });
    }
  }
  for (let probe = 0; probe < 500; probe++) {
    const prefix = ids[Math.floor(random() * ids.length)].slice(0, 4 + (probe % 4));
    const matches = new Set(ids.filter((id) => id.startsWith(prefix)));
    if (matches.size === 1) {
      assert.equal(files.resolve(prefix), [...matches][0]);
    } else {
      expectLookupError(
        () => files.resolve(prefix),
        "ambiguous",
        new RegExp(`matches ${matches.size} files`),
      );
    }
  }
  files.removePeer("p1");
  const left = ids.filter((id) => id.endsWith("0") || id.endsWith("2"));
  assert.equal(files.resolve(left[5]), left[5], "a full ID is a direct hit");
  expectLookupError(() => files.resolve(ids[3_005]), "not-found", /no file/);
});

Deno.test("lookups, sources and departures answer right at 20,000 peers", () => {
  const peers = 20_000;
  const files = new FileIndex();
  for (let i = 0; i < peers; i++) {
    files.addPeer(`p${i}`, { address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}:1`, now: 0 });
    for (let f = 0; f < 3; f++) {
      files.share(`p${i}`, { fileId: idOf(i * 3 + f, "e"), manifest: manifest(`f${i}.${f}`) });
    }
  }
  files.share("p7", { fileId: ID_A, manifest: manifest("a") });
  // What this costs is measured by `deno task bench --scenario index`, never
  // asserted here.
  assert.equal(files.sources(ID_A).total, 1);
  assert.equal(files.lookup(ID_A.slice(0, 6)).fileId, ID_A);
  assert.equal(files.lookup(idOf(3 * 12_345 + 1, "e")).fileId, idOf(3 * 12_345 + 1, "e"));
  for (let i = 0; i < peers; i++) files.removePeer(`p${i}`);
  assert.deepEqual(files.stats(), { peers: 0, files: 0, bytesIndexed: 0 });
});

Deno.test("a peer is refused files past MAX_FILES_PER_PEER and keeps what it had", () => {
  const files = new FileIndex();
  files.addPeer("p", { address: "10.0.0.1:1", now: 0 });
  for (let i = 0; i < MAX_FILES_PER_PEER; i++) {
    files.share("p", { fileId: idOf(i, "f"), manifest: manifest(`f${i}`) });
  }
  assert.throws(
    () => files.share("p", { fileId: ID_A, manifest: manifest("one too many") }),
    (error: Error) =>
      error instanceof ShareLimitError && error.code === "over-limit" &&
      error.message.includes(`at most ${MAX_FILES_PER_PEER} files per peer`) &&
      error.message.includes("share fewer files per peer"),
  );
  assert.equal(files.files().total, MAX_FILES_PER_PEER);
  files.share("p", { fileId: idOf(0, "f"), manifest: manifest("f0"), chunks: new Bitfield(3) });
  assert.equal(files.files().total, MAX_FILES_PER_PEER, "sharing a held file again is no new file");
  files.unshare("p", idOf(1, "f"));
  files.share("p", { fileId: ID_A, manifest: manifest("room again") });
  assert.equal(files.peers(0).peers[0].files, MAX_FILES_PER_PEER);
});

Deno.test("a peer is refused manifests past MAX_MANIFEST_BYTES_PER_PEER; one manifest is kept per ID", () => {
  const hashes = 100_000;
  const big = (name: string) => ({
    name,
    size: hashes * 4,
    chunkSize: 4,
    chunkHashes: new Array(hashes).fill(HASH),
  });
  const fit = Math.floor(MAX_MANIFEST_BYTES_PER_PEER / manifestCost(big("big0")));
  const files = new FileIndex();
  files.addPeer("p", { address: "10.0.0.1:1", now: 0 });
  files.addPeer("q", { address: "10.0.0.2:1", now: 0 });
  for (let i = 0; i < fit; i++) {
    files.share("p", { fileId: idOf(i, "f"), manifest: big(`big${i}`) });
  }
  assert.throws(
    () => files.share("p", { fileId: idOf(fit, "f"), manifest: big("past") }),
    (error: Error) =>
      error instanceof ShareLimitError && /at most 64 MiB of manifests/.test(error.message) &&
      /share fewer or smaller files per peer/.test(error.message),
  );
  files.share("p", { fileId: ID_A, manifest: manifest("small still fits") });
  const first = big("big0");
  files.share("q", { fileId: idOf(0, "f"), manifest: first });
  assert.notEqual(files.lookup(idOf(0, "f")).manifest, first, "the manifest already held is kept");
  files.removePeer("p");
  assert.equal(files.lookup(idOf(0, "f")).manifest.name, "big0");
  assert.deepEqual(files.stats(), { peers: 1, files: 1, bytesIndexed: hashes * 4 });
});
