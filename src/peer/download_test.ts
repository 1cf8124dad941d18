import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { MAX_FILE_NAME_BYTES } from "../constants.ts";
import { numberedName, sanitizeFileName } from "../storage/safe_name.ts";
import {
  assertSaved,
  CHUNK,
  CHUNKS,
  finished,
  network,
  SIZE,
  until,
} from "./test_download_network.ts";

Deno.test("a download fetches every chunk, verifies it and renames the file into place", async () => {
  await using net = await network();
  const a = net.source("a");
  const partials: string[] = [];
  const download = net.download({ onPartial: (partial) => partials.push(partial.path) });
  const result = await finished(download);
  assert.equal(result.path, join(net.outDir, "file.bin"));
  await assertSaved(net, result.path);
  assert.equal(result.alreadyPresent, false);
  assert.equal(result.bytesReceived, SIZE);
  assert.deepEqual(net.chunksDone.toSorted((x, y) => x - y), [...Array(CHUNKS).keys()]);
  assert.deepEqual(partials, [result.path]);
  assert.equal(net.gets(a.address).length, CHUNKS, "each chunk asked once");
  const progress = download.progress();
  assert.equal(progress.state, "done");
  assert.equal(progress.bytesDone, SIZE);

  const again = await finished(net.download({ id: 2 }));
  assert.equal(again.alreadyPresent, true, "the same content is already there");
  assert.equal(again.path, result.path);
  assert.equal(net.gets(a.address).length, CHUNKS, "nothing asked the second time");
});

Deno.test("the sources a lookup found are used, and connected to, before any are asked for", async () => {
  await using net = await network();
  const a = net.source("a");
  const seen: string[] = [];
  const connect = a.connect.bind(a);
  a.connect = () => {
    seen.push("connect");
    return connect();
  };
  const found = { sources: [{ peerId: "a", address: a.address }], complete: true };
  const download = net.download({
    sources: found,
    findSources: () => {
      seen.push("find");
      return Promise.resolve(found);
    },
  });
  await assertSaved(net, (await finished(download)).path);
  assert.equal(seen[0], "connect", seen.join(", "));
});

Deno.test("a cancelled download stops, cancels its requests at the peer and keeps its .part", async () => {
  await using net = await network();
  const hanging = net.source("hanging", () => "hang");
  const download = net.download();
  await until(() => hanging.pending > 0, "the first requests");
  const pending = hanging.pending;
  download.cancel();
  await assert.rejects(finished(download), /download cancelled/);
  assert.equal(download.progress().state, "cancelled");
  const cancels = net.events.filter((e) => e.t === "cancel");
  assert.equal(cancels.length, pending);
  assert.ok(cancels.every((e) => e.t === "cancel" && e.reason === "download ended"));
  assert.equal(hanging.pending, 0);
  assert.equal((await Deno.stat(join(net.outDir, "file.bin.part"))).size, SIZE);
});

for (const names of [["file.bin", "file.bin"], [".", ".."]]) {
  Deno.test(`two different files named ${names.join(" and ")}, downloaded at once, stay apart`, async () => {
    await using one = await network();
    await using two = await network();
    one.source("a");
    two.source("b");
    const downloads = [one, two].map((net, i) =>
      net.download({ id: i + 1, outDir: one.outDir }, { ...net.manifest, name: names[i] })
    );
    const [first, second] = await Promise.all(downloads.map(finished));
    assert.notEqual(first.path, second.path);
    await assertSaved(one, first.path);
    await assertSaved(two, second.path);
    const left = [...Deno.readDirSync(one.outDir)].map((entry) => entry.name).toSorted();
    assert.deepEqual(left, [first.path, second.path].map((path) => basename(path)).toSorted());
  });
}

Deno.test("an unrelated .part already in the folder is left untouched", async () => {
  await using net = await network();
  net.source("a");
  await Deno.mkdir(net.outDir);
  const foreign = join(net.outDir, "file.bin.part");
  await Deno.writeTextFile(foreign, "another program's unfinished download");
  const result = await finished(net.download());
  assert.equal(result.path, join(net.outDir, "file.bin"), "the name itself was free");
  assert.deepEqual(await Deno.readFile(result.path), net.bytes);
  assert.equal(await Deno.readTextFile(foreign), "another program's unfinished download");
});

Deno.test("a name too long for a .part and a copy number still downloads", async () => {
  await using net = await network();
  net.source("a");
  const name = "n".repeat(MAX_FILE_NAME_BYTES) + ".bin";
  await Deno.mkdir(net.outDir);
  const taken = join(net.outDir, sanitizeFileName(name));
  await Deno.writeTextFile(taken, "a different file of that name");
  const result = await finished(net.download({}, { ...net.manifest, name }));
  assert.equal(result.path, join(net.outDir, numberedName(sanitizeFileName(name), 1)));
  assert.deepEqual(await Deno.readFile(result.path), net.bytes);
});

Deno.test("a .part changed behind the download's back is not renamed into place", async () => {
  await using net = await network();
  let held: number | undefined;
  net.source("a", (index, attempt) => {
    held ??= index;
    return index === held && attempt === 1 ? "hang" : "good";
  });
  const download = net.download({ stallTimeoutMs: 300 });
  await until(() => held !== undefined, "the first request");
  await Deno.truncate(join(net.outDir, "file.bin.part"), SIZE + 10);
  await assert.rejects(
    finished(download),
    /file\.bin\.part is not whole .* download the file again/,
  );
  await assert.rejects(Deno.stat(join(net.outDir, "file.bin")), Deno.errors.NotFound);
});

Deno.test("one file of a folder is fetched alone: only its chunks, verified, saved by its name", async () => {
  await using net = await network({ folder: true });
  const a = net.source("a");
  const download = net.download({ inside: "b/two.bin" });
  assert.equal(download.progress().name, "two.bin");
  assert.equal(download.progress().bytesTotal, 4 * CHUNK, "the bytes of chunks 2 to 5");
  const result = await finished(download);
  assert.equal(result.path, join(net.outDir, "two.bin"));
  assert.equal(result.size, 3000);
  assert.deepEqual(await Deno.readFile(result.path), net.bytes.subarray(2500, 5500));
  assert.equal((await Deno.stat(result.path)).mode! & 0o111, 0o111, "its executable bit is kept");
  assert.deepEqual(net.gets(a.address).toSorted((x, y) => x - y), [2, 3, 4, 5]);
  assert.deepEqual([...Deno.readDirSync(net.outDir)].map((entry) => entry.name), ["two.bin"]);
  const again = await finished(net.download({ id: 2, inside: "b/two.bin" }));
  assert.equal(again.path, join(net.outDir, "two (1).bin"), "nothing is overwritten");
});

Deno.test("a path that is not a file of the folder is refused at once, naming close ones", async () => {
  await using net = await network({ folder: true });
  assert.throws(
    () => net.download({ inside: "b/tow.bin" }),
    /album has no file "b\/tow\.bin"; closest: "b\/two\.bin"/,
  );
  assert.throws(() => net.download({ inside: "../x" }), /refusing entry "\.\.\/x"/);
});

Deno.test("a download into a path that is a file says a file is in the way", async () => {
  await using net = await network();
  net.source("a");
  await Deno.writeTextFile(net.outDir, "a file, not a folder");
  await assert.rejects(
    finished(net.download()),
    new RegExp(`cannot save into ${net.outDir}: a file is in the way, not a folder; pick a folder`),
  );
});

Deno.test("a file this peer shares whole is already present where it lies: nothing is fetched", async () => {
  await using net = await network();
  const a = net.source("a");
  const mine = join(net.outDir, "..", "mine.bin");
  await Deno.writeFile(mine, net.bytes);
  const result = await finished(net.download({ localCopy: mine }));
  assert.deepEqual({ path: result.path, alreadyPresent: result.alreadyPresent }, {
    path: mine,
    alreadyPresent: true,
  });
  assert.deepEqual(net.gets(a.address), [], "nothing asked of anyone");
  await assert.rejects(Deno.stat(net.outDir), Deno.errors.NotFound, "no copy made");
});
