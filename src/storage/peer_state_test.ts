import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeJournal, PeerState, writeFileAtomic } from "./peer_state.ts";
import { tempDir } from "../test_dir.ts";

const HASH = "d".repeat(64);
const manifest = { name: "m.bin", size: 8, chunkSize: 4, chunkHashes: [HASH, HASH] };

Deno.test("state survives a reopen: shares and download journals", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const state = await PeerState.open(dir);
  await state.saveShared([{ path: "/x/m.bin", fileId: "f".repeat(64), mtimeMs: 5, manifest }]);
  await state.beginDownload({ fileId: "e".repeat(64), manifest, path: "/out/m.bin" }, [1]);
  await state.chunkDone("e".repeat(64), 0);
  await state.close();

  const again = await PeerState.open(dir);
  assert.equal((await again.loadShared())[0].path, "/x/m.bin");
  const downloads = await again.loadDownloads();
  assert.equal(downloads.length, 1);
  assert.equal(downloads[0].record.path, "/out/m.bin");
  assert.deepEqual(downloads[0].chunks, [1, 0]);
  await again.endDownload("e".repeat(64));
  assert.deepEqual(await again.loadDownloads(), []);
  await again.close();
});

Deno.test("a download that ends while its record is still being written leaves nothing to resume", async () => {
  await using tmp = await tempDir();
  const state = await PeerState.open(tmp.path);
  const key = "e".repeat(64);
  const begun = state.beginDownload({ fileId: key, manifest, path: "/out/m.bin" }, [1]);
  const journaled = state.chunkDone(key, 0);
  await state.endDownload(key);
  await Promise.all([begun, journaled]);
  assert.deepEqual(await state.loadDownloads(), []);
  await state.close();
});

Deno.test("one folder, one peer: a second open is refused while the first holds it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const first = await PeerState.open(dir);
  await assert.rejects(PeerState.open(dir), /in use by another p2pft peer/);
  await first.close();
  (await PeerState.open(dir)).close();
});

Deno.test("a torn journal record from a crash is ignored", () => {
  const bytes = new Uint8Array([0, 0, 0, 3, 0, 0, 0, 7, 0, 0]);
  assert.deepEqual(decodeJournal(bytes), [3, 7]);
});

Deno.test("damaged state files give an error that says how to start fresh", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const state = await PeerState.open(dir);
  await Deno.writeTextFile(join(dir, "shared.json"), JSON.stringify({ version: 99 }));
  await assert.rejects(state.loadShared(), /damaged or from another version; move it away/);
  await state.close();
});

Deno.test("atomic writes leave no temporary files behind", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const path = join(dir, "x.json");
  await writeFileAtomic(path, "one");
  await writeFileAtomic(path, "two");
  assert.equal(await Deno.readTextFile(path), "two");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["x.json"]);
});
