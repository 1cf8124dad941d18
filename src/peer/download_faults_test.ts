import assert from "node:assert/strict";
import { join } from "node:path";
import { BAN_AFTER_BAD_CHUNKS, MAX_WINDOW } from "./constants.ts";
import { assertSaved, CHUNKS, finished, network, SIZE, until } from "./test_download_network.ts";

Deno.test("a chunk that fails verification is never written and is asked again elsewhere", async () => {
  await using net = await network();
  const liar = net.source("liar", () => "bad", [3]);
  const honest = net.source("honest");
  const result = await finished(net.download());
  await assertSaved(net, result.path);
  assert.ok(net.gets(liar.address).includes(3), "the liar was asked (it holds the fewest)");
  assert.ok(net.gets(honest.address).includes(3), "the bad chunk came from the honest peer");
  assert.ok(result.bytesReceived > SIZE, "the bad copy counts as received");
});

Deno.test("a peer that keeps sending bad chunks is banned and asked nothing more", async () => {
  await using net = await network();
  const liar = net.source("liar", () => "bad");
  const honest = net.source("honest");
  const result = await finished(net.download());
  await assertSaved(net, result.path);
  const ban = net.events.findIndex((e) => e.t === "drop" && e.address === liar.address);
  assert.ok(ban >= 0, "the liar's connection is dropped");
  const before = net.events.slice(0, ban).filter((e) =>
    e.t === "get" && e.address === liar.address
  );
  assert.ok(before.length >= BAN_AFTER_BAD_CHUNKS, "banned after repeated bad chunks, not one");
  const after = net.events.slice(ban).filter((e) => e.t === "get" && e.address === liar.address);
  assert.deepEqual(after, [], "no request to the liar after its ban");
  assert.ok(net.gets(honest.address).length >= CHUNKS - BAN_AFTER_BAD_CHUNKS);
});

Deno.test("a request left unanswered is cancelled as stalled and asked again", async () => {
  await using net = await network();
  let stalled: number | undefined;
  const slow = net.source("slow", (index, attempt) => {
    if (stalled === undefined) stalled = index;
    return index === stalled && attempt === 1 ? "hang" : "good";
  });
  const result = await finished(net.download({ stallTimeoutMs: 200 }));
  await assertSaved(net, result.path);
  const first = net.events.find((e) => e.t === "get" && e.index === stalled);
  assert.ok(first?.t === "get");
  const cancel = net.events.find((e) => e.t === "cancel");
  assert.deepEqual(cancel, { t: "cancel", address: slow.address, id: first.id, reason: "stalled" });
  assert.equal(net.gets(slow.address).filter((index) => index === stalled).length, 2);
});

Deno.test("a source whose connection breaks is dropped and the others finish the file", async () => {
  await using net = await network();
  const leaving = net.source("leaving", () => "hang");
  const staying = net.source("staying");
  const download = net.download();
  await until(() => leaving.pending > 0, "a request to the leaving peer");
  leaving.goDown();
  const gone = net.events.length;
  const result = await finished(download);
  await assertSaved(net, result.path);
  assert.ok(net.events.some((e) => e.t === "drop" && e.address === leaving.address));
  const later = net.events.slice(gone).filter((e) =>
    e.t === "get" && e.address === leaving.address
  );
  assert.deepEqual(later, [], "the lost peer is left alone");
  assert.ok(net.gets(staying.address).length >= CHUNKS);
});

Deno.test("with its only source gone a download waits, then goes on with a new one", async () => {
  await using net = await network();
  const first = net.source("first", () => "hang");
  const download = net.download();
  await until(() => first.pending > 0, "a request");
  first.goDown();
  net.list();
  await until(() => download.progress().state === "waiting", "the download to wait");
  assert.equal(download.progress().message, "waiting for a peer that has this file");
  net.source("second");
  const result = await finished(download);
  await assertSaved(net, result.path);
  assert.equal(download.progress().state, "done");
});

Deno.test("a peer that says it cannot serve a chunk stays a source; another gives the chunk", async () => {
  await using net = await network();
  const picky = net.source("picky", (index) => index === 0 ? "refuse" : "good");
  const other = net.source("other", () => "good", [0]);
  const result = await finished(net.download());
  await assertSaved(net, result.path);
  assert.ok(net.gets(other.address).includes(0));
  assert.ok(!net.events.some((e) => e.t === "drop"), "an answer is not a lost connection");
  assert.ok(net.gets(picky.address).length >= CHUNKS - 1);
});

Deno.test("a manifest that is not the file ID asked for is refused before anything is written", async () => {
  await using net = await network();
  const a = net.source("a");
  const other = { ...net.manifest, size: net.manifest.size - 1 };
  other.chunkHashes = [...net.manifest.chunkHashes];
  await assert.rejects(finished(net.download({}, other)), /describes another file: refusing/);
  assert.deepEqual(net.gets(a.address), []);
  await assert.rejects(Deno.stat(net.outDir), Deno.errors.NotFound, "not even the folder");
});

Deno.test("a banned peer stays banned whatever the lists say; with only it, the download fails", async () => {
  await using net = await network();
  let asked = 0;
  // Bad chunks, then requests it sits on: cut off by the ban, they fail as a lost connection.
  const liar = net.source("liar", () => ++asked <= BAN_AFTER_BAD_CHUNKS ? "bad" : "hang");
  const download = net.download({ bannedGiveUpMs: 300 });
  await assert.rejects(finished(download), /sent chunks that failed verification and is banned/);
  const ban = net.events.findIndex((e) => e.t === "drop" && e.address === liar.address);
  assert.ok(ban >= 0, "the liar's connection is dropped");
  assert.ok(net.gets(liar.address).length <= MAX_WINDOW, "asked a window's worth at most");
  const after = net.events.slice(ban).filter((e) => e.t === "get");
  assert.deepEqual(after, [], "never asked again, though every refresh lists it");
  await assert.rejects(Deno.stat(join(net.outDir, "file.bin")), Deno.errors.NotFound);
});

Deno.test("a download whose bad source is banned finishes from an honest one that comes later", async () => {
  await using net = await network();
  const liar = net.source("liar", () => "bad");
  const download = net.download();
  await until(() => net.events.some((e) => e.t === "drop"), "the ban");
  const banned = net.events.length;
  await until(() => download.progress().state === "waiting", "the download to wait");
  assert.match(download.progress().message ?? "", /banned/);
  net.source("honest");
  const result = await finished(download);
  await assertSaved(net, result.path);
  assert.deepEqual(
    net.events.slice(banned).filter((e) => e.t === "get" && e.address === liar.address),
    [],
  );
});
