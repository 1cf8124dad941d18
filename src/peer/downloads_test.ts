import assert from "node:assert/strict";
import { join } from "node:path";
import { silentLogger } from "../log.ts";
import { hashFile } from "../storage/hash_file.ts";
import { hashFolder } from "../storage/hash_folder.ts";
import { PeerState } from "../storage/peer_state.ts";
import { pathExists } from "../storage/safe_name.ts";
import { tempDir } from "../test_dir.ts";
import type { ChunkConnection } from "./chunk_requests.ts";
import { Downloads } from "./downloads.ts";

/** A file of one chunk in `dir`, and what it takes to fetch it. */
async function oneChunkFile(dir: string, name: string, bytes: number[]) {
  const path = join(dir, name);
  await Deno.writeFile(path, new Uint8Array(bytes));
  const { fileId, manifest } = await hashFile(path);
  return { fileId, manifest, bytes: new Uint8Array(bytes) };
}

/** Downloads whose one source answers with `serve`'s bytes, or never when it gives none. */
async function downloads(
  dir: string,
  serve: () => Uint8Array | undefined,
  options: { reshare?: boolean } = {},
) {
  const state = await PeerState.open(join(dir, "state"));
  const events: string[] = [];
  const connection: ChunkConnection = {
    requestData: (_message, allocate) => {
      const bytes = serve();
      if (!bytes) return new Promise(() => {});
      const target = allocate(bytes.length);
      target.set(bytes);
      return Promise.resolve(target);
    },
    cancel: () => {},
  };
  const list = new Downloads({
    selfId: "me",
    pool: { get: () => Promise.resolve(connection), drop: () => {} },
    findSources: () =>
      Promise.resolve({ sources: [{ peerId: "seeder", address: "10.0.0.1:1" }], complete: true }),
    shares: {
      addPartial: (fileId) => events.push(`partial ${fileId.slice(0, 4)}`),
      addDownloaded: (record) => Promise.resolve(void events.push(`shared ${record.path}`)),
      dropPartial: (fileId) => events.push(`dropped ${fileId.slice(0, 4)}`),
    },
    state,
    link: { notify: (message) => events.push(JSON.stringify(message)) },
    log: silentLogger(),
    ...options,
  });
  return { list, state, events };
}

Deno.test("a finished download announces its chunk and is shared whole", async () => {
  await using dir = await tempDir();
  const file = await oneChunkFile(dir.path, "a.bin", [1, 2, 3]);
  const { list, state, events } = await downloads(dir.path, () => file.bytes);
  const out = join(dir.path, "out");
  const download = list.start(file.fileId, file.manifest, { outDir: out });
  const result = await download.done;
  await list.close();
  assert.equal(result.path, join(out, "a.bin"));
  const id = file.fileId.slice(0, 4);
  const have = JSON.stringify({ t: "have", fileId: file.fileId, chunks: [0] });
  assert.deepEqual(events, [`partial ${id}`, have, `shared ${result.path}`]);
  assert.deepEqual(await state.loadDownloads(), [], "nothing left to resume");
  await state.close();
});

Deno.test("a download is settled only once it is shared whole and no longer journalled", async () => {
  await using dir = await tempDir();
  const file = await oneChunkFile(dir.path, "a.bin", [1, 2, 3]);
  const { list, state, events } = await downloads(dir.path, () => file.bytes);
  const download = list.start(file.fileId, file.manifest, { outDir: join(dir.path, "out") });
  const result = await download.done;
  await download.settled;
  // What waits for the download to be over (the shell's wait) sees it shared already.
  assert.equal(events.at(-1), `shared ${result.path}`);
  assert.deepEqual(await state.loadDownloads(), []);
  await list.close();
  await state.close();
});

Deno.test("a peer that does not re-share serves, announces and shares nothing of its downloads", async () => {
  await using dir = await tempDir();
  const file = await oneChunkFile(dir.path, "a.bin", [1, 2, 3]);
  const { list, state, events } = await downloads(dir.path, () => file.bytes, { reshare: false });
  const result = await list.start(file.fileId, file.manifest, { outDir: dir.path + "/out" }).done;
  await list.close();
  assert.equal(result.alreadyPresent, false);
  assert.deepEqual(events, []);
  assert.deepEqual(
    await state.loadDownloads(),
    [],
    "still resumable while it runs, forgotten once done",
  );
  await state.close();
});

Deno.test("one download per file at a time, numbered in order", async () => {
  await using dir = await tempDir();
  const a = await oneChunkFile(dir.path, "a.bin", [1]);
  const b = await oneChunkFile(dir.path, "b.bin", [2]);
  const { list, state } = await downloads(dir.path, () => undefined);
  const out = join(dir.path, "out");
  const first = list.start(a.fileId, a.manifest, { outDir: out });
  assert.equal(list.start(a.fileId, a.manifest, { outDir: out }), first);
  const second = list.start(b.fileId, b.manifest, { outDir: out });
  assert.deepEqual(list.list().map((d) => d.progress().id), [1, 2]);
  assert.equal(list.find(b.fileId), second);
  assert.equal(list.running, 2);
  await list.close();
  assert.equal(list.running, 0);
  await state.close();
});

/**
 * A running download of a one-chunk `a.bin` into `dir/out`, whose source
 * holds the chunk back until `serve()` is called.
 */
async function heldBack(dir: string) {
  const file = await oneChunkFile(dir, "a.bin", [1, 2]);
  let serving = false;
  const { list, state } = await downloads(dir, () => serving ? file.bytes : undefined);
  const out = join(dir, "out");
  const download = list.start(file.fileId, file.manifest, { outDir: out });
  await waitFor(() => download.progress().state === "running");
  const serve = () => {
    serving = true;
  };
  return { file, list, state, out, download, serve };
}

Deno.test("a cancelled download loses its .part and is not resumed", async () => {
  await using dir = await tempDir();
  const { list, state, download } = await heldBack(dir.path);
  await waitFor(async () => (await state.loadDownloads()).length === 1);
  assert.equal(await list.cancel(1), download);
  assert.equal(download.progress().state, "cancelled");
  await assert.rejects(Deno.stat(join(dir.path, "out", "a.bin.part")), Deno.errors.NotFound);
  assert.deepEqual(await state.loadDownloads(), []);
  await assert.rejects(list.cancel(1), /download 1 is already cancelled/);
  await assert.rejects(list.cancel(5), /no download number 5; see the list of downloads/);
  await list.close();
  await state.close();
});

Deno.test("a stopped download keeps its .part and record, and resumes under its number", async () => {
  await using dir = await tempDir();
  const { list, state, out, download, serve } = await heldBack(dir.path);
  await waitFor(async () => (await state.loadDownloads()).length === 1);
  assert.equal(await list.stop(1), download);
  assert.equal(download.progress().state, "cancelled");
  assert.ok(await pathExists(join(out, "a.bin.part")), "the .part file is kept");
  assert.equal((await state.loadDownloads()).length, 1, "still recorded for the next start");
  await assert.rejects(list.stop(1), /download 1 is already cancelled/);
  serve();
  const resumed = list.restart(1);
  assert.notEqual(resumed, download);
  assert.equal(resumed.progress().id, 1);
  assert.deepEqual(list.list(), [resumed], "it takes the stopped one's place");
  assert.equal(list.restart(1), resumed, "restarting a running one gives it back");
  assert.equal((await resumed.done).path, join(out, "a.bin"));
  assert.throws(() => list.restart(1), /download 1 is done: there is nothing to resume/);
  assert.throws(() => list.restart(7), /no download number 7/);
  await list.close();
  await state.close();
});

Deno.test("a download started again after a stop takes up the stopped one's .part", async () => {
  await using dir = await tempDir();
  const { file, list, state, out, serve } = await heldBack(dir.path);
  await list.stop(1);
  serve();
  const again = list.start(file.fileId, file.manifest, { outDir: out });
  assert.equal((await again.done).path, join(out, "a.bin"), "not a.bin (1): the .part was reused");
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(out))).map((entry) => entry.name),
    ["a.bin"],
  );
  await list.close();
  await state.close();
});

Deno.test("one file of a folder is recorded but not served or shared, and runs beside the whole folder", async () => {
  await using dir = await tempDir();
  const folder = join(dir.path, "album");
  await Deno.mkdir(join(folder, "a"), { recursive: true });
  await Deno.writeFile(join(folder, "a/x.bin"), new Uint8Array([1, 2, 3]));
  await Deno.writeFile(join(folder, "b.bin"), new Uint8Array([4, 5]));
  const { fileId, manifest } = await hashFolder(folder);
  let serving = false;
  const { list, state, events } = await downloads(
    dir.path,
    () => serving ? new Uint8Array([1, 2, 3, 4, 5]) : undefined,
  );
  const out = join(dir.path, "out");
  const whole = list.start(fileId, manifest, { outDir: out });
  const one = list.start(fileId, manifest, { outDir: out, inside: "b.bin" });
  assert.notEqual(one, whole, "a file of the folder is a download of its own");
  assert.equal(list.start(fileId, manifest, { outDir: out, inside: "b.bin" }), one);
  await waitFor(() => one.progress().state === "running");
  await waitFor(async () => (await state.loadDownloads()).length === 2);
  const records = (await state.loadDownloads()).map(({ record }) => record.inside ?? "whole");
  assert.deepEqual(records.sort(), ["b.bin", "whole"], "each is recorded to be resumed");
  await list.cancel(one.progress().id);
  assert.equal(one.partPath !== undefined && await pathExists(one.partPath), false, "no staging");
  const [kept] = await state.loadDownloads();
  assert.equal(kept.record.inside, undefined, "the folder's record is kept");
  serving = true;
  const again = list.start(fileId, manifest, { outDir: out, inside: "b.bin" });
  assert.deepEqual(await Deno.readFile((await again.done).path), new Uint8Array([4, 5]));
  await list.close();
  const id = fileId.slice(0, 4);
  assert.deepEqual(events.filter((event) => event.startsWith("partial")), [`partial ${id}`]);
  assert.equal(events.some((event) => event.includes("b.bin")), false, "not shared");
  assert.throws(
    () => list.start(fileId, manifest, { outDir: out, inside: "c.bin" }),
    /has no file "c\.bin"/,
  );
  await state.close();
});

Deno.test("unfinished downloads resume on start unless told not to", async () => {
  await using dir = await tempDir();
  const file = await oneChunkFile(dir.path, "a.bin", [4, 5, 6]);
  const first = await downloads(dir.path, () => undefined);
  const path = join(dir.path, "out", "a.bin");
  await first.state.beginDownload({ fileId: file.fileId, manifest: file.manifest, path }, []);
  await first.state.close();

  const skipped = await downloads(dir.path, () => file.bytes);
  await skipped.list.resume(false);
  assert.deepEqual(skipped.list.list(), []);
  await skipped.state.close();

  const resumed = await downloads(dir.path, () => file.bytes);
  await resumed.list.resume(true);
  const [download] = resumed.list.list();
  assert.equal((await download.done).path, path);
  await resumed.list.close();
  await resumed.state.close();
});

Deno.test("a resumed download takes up the .part its journal records, and only that one", async () => {
  await using dir = await tempDir();
  const file = await oneChunkFile(dir.path, "a.bin", [4, 5, 6]);
  const out = join(dir.path, "out");
  await Deno.mkdir(out);
  const path = join(out, "a (1).bin");
  await Deno.writeFile(`${path}.part`, file.bytes);
  await Deno.writeTextFile(join(out, "a.bin.part"), "not this peer's");
  const first = await downloads(dir.path, () => undefined);
  await first.state.beginDownload({ fileId: file.fileId, manifest: file.manifest, path }, [0]);
  await first.state.close();

  const resumed = await downloads(dir.path, () => undefined);
  await resumed.list.resume(true);
  const [download] = resumed.list.list();
  const result = await download.done;
  assert.equal(result.path, join(out, "a.bin"), "the final name is the first one free");
  assert.deepEqual(await Deno.readFile(result.path), file.bytes, "from the .part, asking no one");
  assert.equal(await Deno.readTextFile(join(out, "a.bin.part")), "not this peer's");
  await resumed.list.close();
  await resumed.state.close();
});

Deno.test("a failed download tried again takes up its own .part, not a new one", async () => {
  await using dir = await tempDir();
  const file = await oneChunkFile(dir.path, "a.bin", [1, 2, 3]);
  let honest = false;
  const { list, state } = await downloads(dir.path, () => honest ? file.bytes : new Uint8Array(3));
  const out = join(dir.path, "out");
  const first = list.start(file.fileId, file.manifest, { outDir: out });
  await assert.rejects(first.done, /failed verification and is banned/);
  honest = true;
  const again = list.start(file.fileId, file.manifest, { outDir: out });
  assert.notEqual(again, first);
  assert.equal(again.progress().id, 2);
  const result = await again.done;
  assert.equal(result.path, join(out, "a.bin"));
  assert.deepEqual(await Deno.readFile(result.path), file.bytes);
  assert.deepEqual([...Deno.readDirSync(out)].map((entry) => entry.name), ["a.bin"]);
  await list.close();
  await state.close();
});

Deno.test("the server's news of chunks reaches the download of that file", async () => {
  await using dir = await tempDir();
  const file = await oneChunkFile(dir.path, "a.bin", [7]);
  const { list, state } = await downloads(dir.path, () => undefined);
  const download = list.start(file.fileId, file.manifest, { outDir: join(dir.path, "out") });
  await waitFor(() => download.progress().sources === 1);
  const news = { t: "have" as const, peerId: "other", address: "10.0.0.2:2", chunks: [0] };
  list.notice({ ...news, fileId: "0".repeat(64) });
  assert.equal(download.progress().sources, 1, "news of another file changes nothing");
  list.notice({ ...news, fileId: file.fileId });
  assert.equal(download.progress().sources, 2);
  await list.close();
  await state.close();
});

async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error("gave up waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
