import assert from "node:assert/strict";
import { join } from "node:path";
import { silentLogger } from "../log.ts";
import type { SharedFileEntry } from "../protocol/messages.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { SourceChangedError } from "../storage/chunk_source.ts";
import { hashFile } from "../storage/hash_file.ts";
import { PartFile } from "../storage/part_file.ts";
import { PeerState } from "../storage/peer_state.ts";
import { tempDir } from "../test_dir.ts";
import { Library } from "./library.ts";
import { type ShareLink, Shares } from "./shares.ts";

/** Shares over a fresh library and state folder, with a server that records what it is told. */
async function shares(dir: string) {
  const state = await PeerState.open(join(dir, "state"));
  const told: SharedFileEntry[] = [];
  const unshared: string[] = [];
  const link = {
    share: (files: SharedFileEntry[]) => Promise.resolve(void told.push(...files)),
    request: (message: { t: string; fileId?: string }) => {
      if (message.t === "unshare") unshared.push(message.fileId!);
      return Promise.resolve({});
    },
  } as ShareLink;
  const library = new Library();
  return {
    state,
    told,
    unshared,
    library,
    shares: new Shares(library, { state, link, log: silentLogger() }),
  };
}

async function file(dir: string, name: string, bytes: number[]): Promise<string> {
  const path = join(dir, name);
  await Deno.writeFile(path, new Uint8Array(bytes));
  return path;
}

Deno.test("a registered file is served, remembered and told to the server", async () => {
  await using dir = await tempDir();
  const { state, told, shares: s } = await shares(dir.path);
  const path = await file(dir.path, "a.bin", [1, 2, 3]);
  const registered = await s.register(path);
  assert.deepEqual(s.list().map((f) => f.fileId), [registered.fileId]);
  assert.deepEqual(told, [{ fileId: registered.fileId, manifest: registered.manifest }]);
  assert.deepEqual(s.entries(), told);
  assert.deepEqual((await state.loadShared()).map((r) => r.path), [path]);
  await assert.rejects(s.register(join(dir.path, "missing")), /cannot register .*: no such file/);
  s.close();
  await state.close();
});

Deno.test("on restart, unchanged files are shared again, changed ones rehashed, gone ones dropped", async () => {
  await using dir = await tempDir();
  const first = await shares(dir.path);
  const kept = await file(dir.path, "kept.bin", [1]);
  const changed = await file(dir.path, "changed.bin", [2]);
  const gone = await file(dir.path, "gone.bin", [3]);
  for (const path of [kept, changed, gone]) await first.shares.register(path);
  first.shares.close();
  await first.state.close();
  await Deno.writeFile(changed, new Uint8Array([2, 2]));
  await Deno.remove(gone);

  const again = await shares(dir.path);
  await again.shares.restore();
  const served = again.shares.list().map((f) => [f.path, f.manifest.size]);
  assert.deepEqual(served.toSorted(), [[changed, 2], [kept, 1]]);
  const saved = (await again.state.loadShared()).map((r) => r.path);
  assert.deepEqual(saved.toSorted(), [changed, kept], "what is saved is what is served");
  again.shares.close();
  await again.state.close();
});

Deno.test("a download serves its chunks until it fails; a whole copy is never replaced", async () => {
  await using dir = await tempDir();
  const { state, told, unshared, shares: s } = await shares(dir.path);
  const whole = await s.register(await file(dir.path, "whole.bin", [1, 2]));
  const part = await PartFile.create(join(dir.path, "copy.bin"), 2);
  const chunks = new Bitfield(1);
  s.addPartial(whole.fileId, { manifest: whole.manifest, part, chunks });
  assert.equal(s.list()[0].chunks, undefined, "the whole file stays");
  const other = { ...whole.manifest, chunkHashes: ["e".repeat(64)] };
  s.addPartial("e".repeat(64), { manifest: other, part, chunks });
  assert.equal(told.at(-1)?.chunks, chunks.toBase64(), "the server hears of the partial file");
  s.dropPartial(whole.fileId);
  assert.equal(s.list().length, 2, "dropping a partial never drops a whole file");
  s.dropPartial("e".repeat(64));
  assert.deepEqual(unshared, ["e".repeat(64)]);
  assert.equal((await state.loadShared()).length, 1, "a download is never remembered as shared");
  s.close();
  await part.close();
  await state.close();
});

Deno.test("a finished download is shared whole; a changed file stops being shared", async () => {
  await using dir = await tempDir();
  const { state, unshared, shares: s, library } = await shares(dir.path);
  const path = await file(dir.path, "got.bin", [9]);
  const { fileId, manifest } = await s.register(path);
  library.remove(fileId);
  await s.addDownloaded({ fileId, manifest, path });
  assert.equal(s.list()[0].record?.path, path);
  s.dropChanged(fileId, new SourceChangedError(path, "was modified"));
  assert.deepEqual(s.list(), []);
  assert.deepEqual(unshared, [fileId]);
  s.close();
  await state.close();
  const reopened = await PeerState.open(join(dir.path, "state"));
  assert.deepEqual(await reopened.loadShared(), []);
  await reopened.close();
});

Deno.test("each share remembers where it comes from; unshare stops one for good and tells the server", async () => {
  await using dir = await tempDir();
  const first = await shares(dir.path);
  const mine = await first.shares.register(await file(dir.path, "mine.bin", [1]));
  const gotPath = await file(dir.path, "got.bin", [2]);
  const got = { ...await hashFile(gotPath), path: gotPath };
  await first.shares.addDownloaded({ fileId: got.fileId, manifest: got.manifest, path: got.path });
  const origins = () => first.shares.list().map((f) => `${f.manifest.name} ${f.record?.origin}`);
  assert.deepEqual(origins().toSorted(), ["got.bin downloaded", "mine.bin registered"]);
  const dropped = await first.shares.unshare(got.fileId);
  assert.equal(dropped.path, got.path);
  assert.deepEqual(first.unshared, [got.fileId]);
  await assert.rejects(first.shares.unshare(got.fileId), /does not share .*; shared lists/);
  first.shares.close();
  await first.state.close();
  const second = await shares(dir.path);
  await second.shares.restore();
  assert.deepEqual(second.shares.list().map((f) => [f.fileId, f.record?.origin]), [
    [mine.fileId, "registered"],
  ]);
  second.shares.close();
  await second.state.close();
});

Deno.test("a download still running cannot be unshared", async () => {
  await using dir = await tempDir();
  const { state, shares: s } = await shares(dir.path);
  const manifest = { name: "part.bin", size: 1, chunkSize: 1, chunkHashes: ["0".repeat(64)] };
  const part = await PartFile.create(join(dir.path, "part.bin"), 1);
  s.addPartial("f".repeat(64), { manifest, part, chunks: new Bitfield(1) });
  await assert.rejects(s.unshare("f".repeat(64)), /part\.bin is still downloading/);
  await part.close();
  s.close();
  await state.close();
});
