/**
 * Folders shared and downloaded through real server and peer processes on
 * 127.0.0.1: the tree comes back byte for byte with its modes, empty files
 * and folders kept, symlinks left out.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import {
  eventsNamed,
  peerArgs,
  runP2pft,
  runPeer,
  startPeer,
} from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { assertErrorEvent, fileIds, startCluster, tempDir } from "../helpers/cluster.ts";
import { startSubstitutingServer } from "../helpers/hostile.ts";
import { downloader, JOURNAL_RECORD, journalChunks, waitUntil } from "../helpers/resume.ts";
import { TEST_NETWORK_KEY } from "../../src/test_credentials.ts";
import { pathExists } from "../../src/storage/safe_name.ts";

/** Every file, folder and link under `root`: path -> what it is, its mode and its bytes' hash. */
async function describeTree(root: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      const info = await Deno.lstat(path);
      const key = relative(root, path);
      if (info.isSymlink) tree.set(key, "link");
      else if (info.isDirectory) {
        tree.set(key, "folder");
        await walk(path);
      } else {
        const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
        const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"));
        tree.set(key, `file ${(info.mode! & 0o111) !== 0 ? "x" : "-"} ${hex.join("")}`);
      }
    }
  }
  await walk(root);
  return tree;
}

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

const MIB = 1024 * 1024;
/** The name of a folder's staging folder: the downloader's tag and the folder's ID. */
const STAGING_FOLDER = /^\.p2pft-[a-z2-7]{8}-[0-9a-f]{8}\.partdir$/;
/** The name of the staging file of one file of a folder (`-<its entry index>` added). */
const STAGING_FILE = /^\.p2pft-[a-z2-7]{8}-[0-9a-f]{8}-\d+\.partfile$/;

/**
 * The chunk indexes a download's `.chunks` journal in `dataDir` records
 * (`key`: the folder's ID, with `-<entry index>` for one file of it).
 */
async function journalled(dataDir: string, key: string): Promise<Set<number>> {
  const journal = await Deno.readFile(join(dataDir, "downloads", `${key}.chunks`));
  const view = new DataView(journal.buffer);
  const chunks = new Set<number>();
  for (let offset = 0; offset + JOURNAL_RECORD <= journal.length; offset += JOURNAL_RECORD) {
    chunks.add(view.getUint32(offset));
  }
  return chunks;
}

/** The chunk indexes a rogue peer was asked for in `lines` of its output. */
function askedFor(lines: readonly string[]): number[] {
  return lines.flatMap((line) => {
    const match = /^asked for chunk (\d+)/.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

/**
 * Downloads folder `id` into `<dir>/out` with data folder `<dir>/state` and
 * kills the downloader (SIGKILL) once its journal records `chunks` chunks.
 */
async function killedFolderDownload(
  server: string,
  id: string,
  options: { dir: string; chunks: number },
): Promise<{ out: string; dataDir: string }> {
  const out = join(options.dir, "out");
  const dataDir = join(options.dir, "state");
  await using first = downloader(server, ["--data-dir", dataDir, "-d", id, "-o", out]);
  await waitUntil(
    async () => await journalChunks(dataDir) >= options.chunks,
    `${options.chunks} verified chunks`,
  );
  await first.stop("SIGKILL");
  return { out, dataDir };
}

Deno.test("a folder download killed at half way resumes after a restart, fetching only what is missing", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await Deno.mkdir(join(tree, "a/b"), { recursive: true });
  await Deno.mkdir(join(tree, "empty"));
  await writeRandomFile(join(tree, "a/one.bin"), 7 * MIB + 1, { seed: 31 });
  await writeRandomFile(join(tree, "a/b/two.bin"), 13 * MIB + 17, { seed: 32 });
  await Deno.writeFile(join(tree, "a/nothing.txt"), new Uint8Array());
  await writeRandomFile(join(tree, "c.bin"), 19 * MIB + 100, { seed: 33 });
  for (let i = 0; i < 50; i++) {
    await writeRandomFile(join(tree, "a/b", `small${i}.txt`), 100 + i, { seed: 40 + i });
  }
  const chunks = 10;
  const { rogue: seeder, id } = await ctx.rogue(tree, "slow:120");
  const { out, dataDir } = await killedFolderDownload(ctx.server.address, id, {
    dir: ctx.dir,
    chunks: chunks / 2,
  });
  const [staging, ...others] = [...Deno.readDirSync(out)].map((e) => e.name);
  assert.match(staging, STAGING_FOLDER, "the staging folder is kept");
  assert.deepEqual(others, [], "no .part file, no folder under the final name");
  const recorded = await journalled(dataDir, id);
  const askedBefore = seeder.stdout.lines.length;
  await using last = downloader(ctx.server.address, ["--data-dir", dataDir]);
  const status = await last.exit();
  assert.equal(status.code, 0, last.stderr.text);
  assert.match(
    last.stderr.text,
    new RegExp(`resuming album: ${recorded.size} of ${chunks} chunks`),
  );
  const asked = askedFor(seeder.stdout.lines.slice(askedBefore));
  const missing = [...Array(chunks).keys()].filter((index) => !recorded.has(index));
  assert.deepEqual([...new Set(asked)].sort((a, b) => a - b), missing, "only missing chunks");
  assert.deepEqual(await describeTree(join(out, "album")), await describeTree(tree));
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["album"], "nothing left over");
  assert.deepEqual([...Deno.readDirSync(join(dataDir, "downloads"))], [], "no resume state left");
});

Deno.test("a tampered staging folder is repaired on resume: damaged chunks fetched again, strays removed", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await Deno.mkdir(tree);
  const chunks = 8;
  // One file per chunk: chunk i is f<i>.bin.
  for (let i = 0; i < chunks; i++) {
    await writeRandomFile(join(tree, `f${i}.bin`), 4 * MIB, { seed: 70 + i });
  }
  const { id } = await ctx.rogue(tree, "slow:120");
  const { out, dataDir } = await killedFolderDownload(ctx.server.address, id, {
    dir: ctx.dir,
    chunks: 3,
  });
  const [staging] = [...Deno.readDirSync(out)].map((e) => e.name);
  for (const index of await journalled(dataDir, id)) {
    using file = await Deno.open(join(out, staging, `f${index}.bin`), { write: true });
    await file.write(new Uint8Array([0xde, 0xad]));
  }
  await Deno.writeTextFile(join(out, staging, "stray.txt"), "not in the tree");
  await Deno.symlink("/etc", join(out, staging, "link"));
  await using again = downloader(ctx.server.address, ["--data-dir", dataDir]);
  const status = await again.exit();
  assert.equal(status.code, 0, again.stderr.text);
  assert.match(again.stderr.text, /resuming album: 0 of 8 chunks already verified/);
  assert.deepEqual(await describeTree(join(out, "album")), await describeTree(tree));
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["album"], "nothing left over");
});

Deno.test("a staging subfolder swapped for a link between runs is rebuilt on resume; a foreign one is refused", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await Deno.mkdir(join(tree, "sub"), { recursive: true });
  const chunks = 6;
  for (let i = 0; i < chunks; i++) {
    await writeRandomFile(join(tree, `sub/f${i}.bin`), 4 * MIB, { seed: 90 + i });
  }
  const { id } = await ctx.rogue(tree, "slow:120");
  const { out, dataDir } = await killedFolderDownload(ctx.server.address, id, {
    dir: ctx.dir,
    chunks: 2,
  });
  const [staging] = [...Deno.readDirSync(out)].map((e) => e.name);
  const elsewhere = join(ctx.dir, "elsewhere");
  await Deno.rename(join(out, staging, "sub"), elsewhere);
  await Deno.symlink(elsewhere, join(out, staging, "sub"));
  const before = await describeTree(elsewhere);
  if (Deno.uid() === 0) {
    await Deno.chown(join(out, staging), 65534, 65534);
    await using refused = downloader(ctx.server.address, ["--data-dir", dataDir]);
    await refused.exit();
    assert.match(refused.stderr.text, /belongs to another user, so this program did not leave it/);
    await Deno.chown(join(out, staging), 0, 0);
  }
  await using again = downloader(ctx.server.address, ["--data-dir", dataDir]);
  const status = await again.exit();
  assert.equal(status.code, 0, again.stderr.text);
  assert.deepEqual(await describeTree(join(out, "album")), await describeTree(tree));
  assert.deepEqual(await describeTree(elsewhere), before, "nothing written through the link");
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["album"], "nothing left over");
});

Deno.test("one file of a folder killed at half way resumes after a restart, fetching only what is missing", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await Deno.mkdir(join(tree, "sub"), { recursive: true });
  await writeRandomFile(join(tree, "first.bin"), 9 * MIB, { seed: 61 });
  await writeRandomFile(join(tree, "sub/middle.bin"), 21 * MIB, { seed: 62 });
  await writeRandomFile(join(tree, "zlast.bin"), 3 * MIB, { seed: 63 });
  // middle.bin is bytes 9 MiB to 30 MiB of the stream: chunks 2 to 7 of 4 MiB, of which
  // 2 and 7 hold bytes of its neighbours too (not kept, so fetched again after a restart).
  const wanted = [2, 3, 4, 5, 6, 7];
  const { rogue: seeder, id } = await ctx.rogue(tree, "slow:120");
  const out = join(ctx.dir, "out");
  const dataDir = join(ctx.dir, "state");
  const query = `${id}:sub/middle.bin`;
  {
    await using first = downloader(ctx.server.address, [
      "--data-dir",
      dataDir,
      "-d",
      query,
      "-o",
      out,
    ]);
    await waitUntil(async () => await journalChunks(dataDir) >= 3, "half of the chunks");
    await first.stop("SIGKILL");
  }
  const [staging, ...others] = [...Deno.readDirSync(out)].map((e) => e.name);
  assert.match(staging, STAGING_FILE, "the staging file is kept");
  assert.deepEqual(others, [], "no .part file as large as the folder");
  assert.ok((await Deno.stat(join(out, staging))).size <= 21 * MIB, "only the file's bytes");
  const recorded = await journalled(dataDir, `${id}-1`);
  const kept = wanted.filter((index) => recorded.has(index) && index !== 2 && index !== 7);
  const askedBefore = seeder.stdout.lines.length;
  await using last = downloader(ctx.server.address, ["--data-dir", dataDir]);
  const status = await last.exit();
  assert.equal(status.code, 0, last.stderr.text);
  assert.match(
    last.stderr.text,
    new RegExp(`resuming album:sub/middle\\.bin: ${kept.length} of 6 chunks already verified`),
  );
  const asked = askedFor(seeder.stdout.lines.slice(askedBefore));
  const missing = wanted.filter((index) => !kept.includes(index));
  assert.deepEqual([...new Set(asked)].sort((a, b) => a - b), missing, "only missing chunks");
  assert.equal(
    await sha256File(join(out, "middle.bin")),
    await sha256File(join(tree, "sub/middle.bin")),
  );
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["middle.bin"]);
  assert.deepEqual([...Deno.readDirSync(join(dataDir, "downloads"))], [], "no resume state left");
});

Deno.test("what a crashed folder download left, and no journal resumes, is removed at the next start; others' are kept", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await Deno.mkdir(tree);
  await writeRandomFile(join(tree, "big.bin"), 10 * 4 * MIB, { seed: 81 });
  const { id } = await ctx.rogue(tree, "slow:120");
  const out = join(ctx.dir, "out");
  const dataDir = join(ctx.dir, "state");
  {
    await using first = downloader(ctx.server.address, [
      "--data-dir",
      dataDir,
      ...["-d", id, "-d", `${id}:big.bin`, "-o", out],
    ]);
    const journals = () => {
      try {
        return [...Deno.readDirSync(join(dataDir, "downloads"))];
      } catch {
        return [];
      }
    };
    await waitUntil(
      () => Promise.resolve(journals().filter((e) => e.name.endsWith(".chunks")).length === 2),
      "both downloads journalled",
    );
    await first.stop("SIGKILL");
    for (const entry of journals()) await Deno.remove(join(dataDir, "downloads", entry.name));
  }
  const left = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assert.equal(left.length, 2, left.join(", "));
  assert.match(left[0], STAGING_FILE);
  assert.match(left[1], STAGING_FOLDER);
  const others = [".p2pft-zzzzzzzz-01234567.partdir", "photo.jpg.part"];
  await Deno.mkdir(join(out, others[0]));
  await Deno.writeTextFile(join(out, others[1]), "another program's download");
  await using again = downloader(ctx.server.address, ["--data-dir", dataDir, "-o", out]);
  const status = await again.exit();
  assert.equal(status.code, 0, again.stderr.text);
  assert.equal(
    again.stderr.lines.filter((line) => /removed .*, left by a download of this peer/.test(line))
      .length,
    2,
    again.stderr.text,
  );
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), others);
});

Deno.test("one file of a folder is fetched alone with -d ID:path, asking only for its chunks", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "album");
  await Deno.mkdir(join(tree, "sub"), { recursive: true });
  await writeRandomFile(join(tree, "first.bin"), 9 * MIB, { seed: 51 });
  await writeRandomFile(join(tree, "sub/middle.bin"), 5 * MIB, { seed: 52 });
  await writeRandomFile(join(tree, "zlast.bin"), 10 * MIB, { seed: 53 });
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
  assert.deepEqual([downloaded.name, downloaded.size], ["middle.bin", 5 * MIB]);
  assert.deepEqual(eventsNamed(result.events, "file"), [], "no folder file events");
  // Bytes 9 MiB to 14 MiB of the stream: chunks 2 and 3 of 4 MiB.
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
        chunkSize: 4 * 1024 * 1024,
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
