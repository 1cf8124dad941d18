/**
 * Folders shared and downloaded through real server and peer processes on
 * 127.0.0.1: the tree comes back byte for byte with its modes, empty files
 * and folders kept, symlinks left out.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  eventsNamed,
  peerArgs,
  runP2pft,
  runPeer,
  startPeer,
} from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { askedFor, describeTree } from "../helpers/folder_tree.ts";
import { assertErrorEvent, fileIds, startCluster, tempDir } from "../helpers/cluster.ts";
import { startSubstitutingServer } from "../helpers/hostile.ts";
import { TEST_NETWORK_KEY } from "../../src/test_credentials.ts";
import { pathExists } from "../../src/storage/safe_name.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";

/** A quarter of the chunk size of every folder here: each is under 256 MiB. */
const QUARTER = MIN_CHUNK_SIZE / 4;

async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(join(root, "nested/deeper/deepest"), { recursive: true });
  await Deno.mkdir(join(root, "empty folder/inner empty"), { recursive: true });
  await writeRandomFile(join(root, "nested/deeper/deepest/big.bin"), 9 * 1024 * 1024 + 3, {
    seed: 1,
  });
  await writeRandomFile(join(root, "nested/small.txt"), 100, { seed: 2 });
  await Deno.writeFile(join(root, "nested/deeper/empty.txt"), new Uint8Array());
  await Deno.writeTextFile(join(root, ".hidden"), "hidden\n");
  await Deno.writeTextFile(join(root, "Ωmega ünïcødé 日本.txt"), "unicode\n");
  await Deno.writeTextFile(join(root, "run.sh"), "#!/bin/sh\necho hi\n");
  await Deno.chmod(join(root, "run.sh"), 0o755);
  await Deno.symlink("/etc/hostname", join(root, "nested/link-out"));
}

Deno.test("a folder downloads whole: nested, empty, executable, unicode, hidden; links left out", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await makeTree(tree);
  const single = await ctx.file("single.bin", { size: 5000, seed: 3 });
  const sharer = ctx.use(await startPeer(ctx.server.address, { args: ["-r", tree, single] }));
  const ids = await fileIds(sharer, { count: 2 });
  await sharer.stderr.waitFor(/skipping the symlink .*link-out/);
  const out = join(ctx.dir, "out");
  const result = await runPeer(ctx.server.address, { args: ["--json", "-d", ids[0], "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  const expected = await describeTree(tree);
  expected.delete("nested/link-out");
  assert.deepEqual(await describeTree(join(out, "album")), expected);
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["album"], "nothing left over");
  const files = eventsNamed(result.events, "file");
  assert.deepEqual(
    files.map((event) => event.path).sort(),
    [...expected].filter(([, what]) => what.startsWith("file")).map(([path]) =>
      join(out, "album", path)
    ).sort(),
    "a file event per file",
  );
  for (const event of files) assert.equal((await Deno.stat(event.path)).size, event.size);
  assert.equal(result.events.at(-1)?.event, "downloaded", "the file events come first");
  const again = await runPeer(ctx.server.address, { args: ["--json", "-d", ids[0], "-o", out] });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(eventsNamed(again.events, "downloaded")[0]?.alreadyPresent, true);
  await Deno.writeTextFile(join(out, "album/.hidden"), "changed\n");
  const third = await runPeer(ctx.server.address, { args: ["-d", ids[0], "-o", out] });
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual(await describeTree(join(out, "album (1)")), expected, "a changed tree is kept");
});

Deno.test("10,000 small files download as one folder, and two seeders of the tree share its ID", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "many");
  for (let i = 0; i < 10_000; i++) {
    const dir = join(tree, `d${i % 100}`);
    if (i < 100) await Deno.mkdir(dir, { recursive: true });
    await writeRandomFile(join(dir, `f${i}.dat`), 1024 + (i * 7919) % (15 * 1024), { seed: i });
  }
  const copy = join(ctx.dir, "copy", "many");
  await Deno.mkdir(join(ctx.dir, "copy"));
  await new Deno.Command("cp", { args: ["-r", tree, copy] }).output();
  const first = await ctx.share([tree]);
  const second = await ctx.share([copy]);
  assert.equal(first.ids[0], second.ids[0], "the same tree has the same ID");
  const out = join(ctx.dir, "out");
  const result = await runPeer(ctx.server.address, { args: ["-d", first.ids[0], "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await describeTree(join(out, "many")), await describeTree(tree));
});

Deno.test("the peer shell lists a folder as name/ with its file count and downloads it (or one file of it) by that name", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await makeTree(tree);
  await ctx.share([tree]);
  const result = await runP2pft(peerArgs(ctx.server.address, ["-i"]), {
    cwd: ctx.dir,
    input: "list files\ndownload album/ out\ndownload album/:nested/small.txt one\nwait\nexit\n",
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /[0-9a-f]{12}\s+album\/ \(6 files\)\s+9\.0 MiB\s+1/);
  const expected = await describeTree(tree);
  expected.delete("nested/link-out");
  assert.deepEqual(await describeTree(join(ctx.dir, "out", "album")), expected);
  assert.equal(
    await sha256File(join(ctx.dir, "one", "small.txt")),
    await sha256File(join(tree, "nested/small.txt")),
    "one file of it by folder/:path",
  );
});

Deno.test("one file of a folder is fetched alone with -d ID:path, asking only for its chunks", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await Deno.mkdir(join(tree, "sub"), { recursive: true });
  await writeRandomFile(join(tree, "first.bin"), 9 * QUARTER, { seed: 51 });
  await writeRandomFile(join(tree, "sub/middle.bin"), 5 * QUARTER, { seed: 52 });
  await writeRandomFile(join(tree, "zlast.bin"), 10 * QUARTER, { seed: 53 });
  const { rogue: seeder, id } = await ctx.rogue(tree, "slow:1");
  const out = join(ctx.dir, "out");
  const result = await runPeer(ctx.server.address, {
    args: ["--json", "-d", `${id.slice(0, 12)}:sub/middle.bin`, "-o", out],
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    await sha256File(join(out, "middle.bin")),
    await sha256File(join(tree, "sub/middle.bin")),
  );
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["middle.bin"], "nothing else");
  const [downloaded] = eventsNamed(result.events, "downloaded");
  assert.deepEqual([downloaded.name, downloaded.size], ["middle.bin", 5 * QUARTER]);
  assert.deepEqual(eventsNamed(result.events, "file"), [], "no folder file events");
  // Quarters 9 to 14 of the stream: chunks 2 and 3, each shared with a neighbour.
  assert.deepEqual([...new Set(askedFor(seeder.stdout.lines))].sort(), [2, 3]);

  const unknown = await runPeer(ctx.server.address, {
    args: ["--json", "-d", `${id}:sub/midle.bin`, "-o", out],
  });
  assert.equal(unknown.code, 1, unknown.stderr);
  assertErrorEvent(unknown, /album has no file "sub\/midle\.bin"; closest: "sub\/middle\.bin"/);
  const escape = await runPeer(ctx.server.address, {
    args: ["--json", "-d", `${id}:../first.bin`, "-o", out],
  });
  assert.equal(escape.code, 1, escape.stderr);
  assertErrorEvent(escape, /refusing entry "\.\.\/first\.bin": it has a "\.\." segment/);
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["middle.bin"]);
});

/** Folder entries a hostile server may send, and what the refusal must say. */
const HOSTILE_ENTRIES: [string, RegExp][] = [
  ["../escape.txt", /refusing entry "\.\.\/escape\.txt": it has a "\.\." segment/],
  ["/etc/passwd", /refusing entry "\/etc\/passwd": it is an absolute path/],
  ["docs/CON", /refusing entry "docs\/CON": "CON" is a name Windows reserves/],
  ["a\\..\\b", /refusing entry "a\\\.\.\\b": a name holds a separator/],
];

Deno.test("a hostile folder manifest is refused, naming the bad entry; nothing is written", async () => {
  await using dir = await tempDir("p2pft-folder-");
  let path = "";
  await using hostile = await startSubstitutingServer(TEST_NETWORK_KEY, {
    answer: () => ({
      fileId: "ab".repeat(32),
      manifest: {
        name: "evil",
        size: 1,
        chunkSize: MIN_CHUNK_SIZE,
        chunkHashes: ["cd".repeat(32)],
        entries: [{ path, kind: "file", size: 1 }],
      },
      sources: [],
      total: 0,
    }),
  });
  const out = join(dir.path, "out");
  for (const [entry, refusal] of HOSTILE_ENTRIES) {
    path = entry;
    const result = await runPeer(hostile.address, { args: ["--json", "-d", "abab", "-o", out] });
    assert.equal(result.code, 1, result.stderr);
    assertErrorEvent(result, refusal);
    assert.equal(await pathExists(out) ? [...Deno.readDirSync(out)].length : 0, 0);
  }
});
