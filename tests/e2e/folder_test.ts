/**
 * Folders shared and downloaded through real server and peer processes on
 * 127.0.0.1: the tree comes back byte for byte with its modes, empty files
 * and folders kept, symlinks left out.
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { eventsNamed, runPeer, startPeer } from "../../scripts/process_harness.ts";
import { writeRandomFile } from "../../scripts/sample_files.ts";
import { assertErrorEvent, fileIds, startCluster, tempDir } from "../helpers/cluster.ts";
import { startSubstitutingServer } from "../helpers/hostile.ts";
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
  const again = await runPeer(ctx.server.address, { args: ["--json", "-d", ids[0], "-o", out] });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(eventsNamed(again.events, "downloaded")[0]?.alreadyPresent, true);
  await Deno.writeTextFile(join(out, "album/.hidden"), "changed\n");
  const third = await runPeer(ctx.server.address, { args: ["-d", ids[0], "-o", out] });
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual(await describeTree(join(out, "album (1)")), expected, "a changed tree is kept");
});

Deno.test("2,000 small files download as one folder, and two seeders of the tree share its ID", async () => {
  await using ctx = await startCluster("p2pft-folder-");
  const tree = join(ctx.dir, "many");
  for (let i = 0; i < 2_000; i++) {
    const dir = join(tree, `d${i % 20}`);
    if (i < 20) await Deno.mkdir(dir, { recursive: true });
    await writeRandomFile(join(dir, `f${i}.dat`), 1024 + (i * 7919) % (15 * 1024), { seed: i });
  }
  const copy = join(ctx.dir, "copy", "many");
  await Deno.mkdir(join(ctx.dir, "copy"));
  await new Deno.Command("cp", { args: ["-r", tree, copy] }).output();
  const first = await ctx.share([tree]);
  const second = await ctx.share([copy]);
  assert.equal(first.ids[0], second.ids[0], "the same tree has the same ID");
  const out = join(ctx.dir, "out");
  const started = Date.now();
  const result = await runPeer(ctx.server.address, { args: ["-d", first.ids[0], "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Date.now() - started < 30_000, "many small files are fast");
  assert.deepEqual(await describeTree(join(out, "many")), await describeTree(tree));
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
