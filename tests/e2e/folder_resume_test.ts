/**
 * Folder downloads resumed through real server and peer processes on
 * 127.0.0.1: killed at half way and restarted, their staging folders
 * tampered with or swapped for links between runs, and what a crash left.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { askedFor, describeTree } from "../helpers/folder_tree.ts";
import { startCluster } from "../helpers/cluster.ts";
import { downloader, JOURNAL_RECORD, journalChunks, waitUntil } from "../helpers/resume.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";

/** The chunk size of every folder here: each is under 256 MiB. */
const CHUNK = MIN_CHUNK_SIZE;
/** A quarter of a chunk, to place files across chunk boundaries. */
const QUARTER = CHUNK / 4;

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
  await writeRandomFile(join(tree, "a/one.bin"), 7 * QUARTER + 1, { seed: 31 });
  await writeRandomFile(join(tree, "a/b/two.bin"), 13 * QUARTER + 17, { seed: 32 });
  await Deno.writeFile(join(tree, "a/nothing.txt"), new Uint8Array());
  await writeRandomFile(join(tree, "c.bin"), 19 * QUARTER + 100, { seed: 33 });
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
    await writeRandomFile(join(tree, `f${i}.bin`), CHUNK, { seed: 70 + i });
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
    await writeRandomFile(join(tree, `sub/f${i}.bin`), CHUNK, { seed: 90 + i });
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
  await writeRandomFile(join(tree, "first.bin"), 9 * QUARTER, { seed: 61 });
  await writeRandomFile(join(tree, "sub/middle.bin"), 21 * QUARTER, { seed: 62 });
  await writeRandomFile(join(tree, "zlast.bin"), 3 * QUARTER, { seed: 63 });
  // middle.bin is quarters 9 to 30 of the stream: chunks 2 to 7, of which
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
  assert.ok((await Deno.stat(join(out, staging))).size <= 21 * QUARTER, "only the file's bytes");
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
  await writeRandomFile(join(tree, "big.bin"), 10 * CHUNK, { seed: 81 });
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
