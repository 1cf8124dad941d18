import assert from "node:assert/strict";
import { Bitfield } from "./bitfield.ts";
import { FileIndex, LookupError } from "./file_index.ts";

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

Deno.test("ambiguous, unknown, short and non-hex queries fail clearly", () => {
  const files = index();
  expectLookupError(() => files.lookup("abc"), "bad-query", /at least 4 hex digits/);
  expectLookupError(() => files.lookup("abcx"), "bad-query", /not a file ID/);
  expectLookupError(() => files.lookup("ab cd"), "bad-query", /not a file ID/);
  expectLookupError(() => files.lookup("ffff"), "not-found", /no file with ID ffff/);
  expectLookupError(() => files.lookup("abc" + "d".repeat(70)), "bad-query", /not a file ID/);
  const extra = new FileIndex();
  extra.addPeer("p", { address: "x:1", now: 0 });
  extra.share("p", { fileId: ID_A, manifest: manifest("a") });
  extra.share("p", { fileId: "abcd" + "9".repeat(60), manifest: manifest("a2") });
  expectLookupError(() => extra.lookup("abcd"), "ambiguous", /matches 2 files .*give more digits/);
});

Deno.test("files disappear with their last holder; silent peers expire", () => {
  const files = index();
  files.touch("p1", 10_000);
  assert.deepEqual(files.expired(16_000, 15_000), ["p2"]);
  files.removePeer("p2");
  assert.equal(files.hasPeer("p2"), false);
  expectLookupError(() => files.lookup(ID_B), "not-found", /no file/);
  files.unshare("p1", ID_A);
  assert.deepEqual(files.files(), []);
  assert.deepEqual(files.stats(), { peers: 1, files: 0, bytesIndexed: 0 });
});

Deno.test("summaries count sources, seeders, files and bytes", () => {
  const files = index();
  assert.deepEqual(files.files().map((f) => [f.name, f.sources, f.seeders]), [
    ["a.bin", 2, 1],
    ["b.bin", 1, 1],
  ]);
  assert.deepEqual(files.peers(500).map((p) => [p.address, p.files, p.lastSeenMs]), [
    ["10.0.0.1:1", 1, 500],
    ["10.0.0.2:2", 2, 500],
  ]);
  assert.deepEqual(files.stats(), { peers: 2, files: 2, bytesIndexed: 20 });
  files.addPeer("p2", { address: "10.0.0.9:9", now: 1 });
  assert.equal(
    files.peers(1).find((p) => p.peerId === "p2")!.files,
    0,
    "re-adding forgets holdings",
  );
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
