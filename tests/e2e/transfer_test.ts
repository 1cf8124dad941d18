/**
 * End-to-end transfers through real server and peer processes on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { eventsNamed, runPeer } from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { assertErrorEvent, startCluster } from "../helpers/cluster.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";
import { chunkCount, chunkSizeFor } from "../../src/storage/manifest.ts";

const MIB = 1024 * 1024;
/** The chunk size of files under 256 MiB. */
const CHUNK = MIN_CHUNK_SIZE;

Deno.test("files of edge sizes transfer intact, by full ID and by prefix", async () => {
  await using ctx = await startCluster("p2pft-e2e-");
  const sizes = { "empty.bin": 0, "one.bin": 1, "odd.bin": CHUNK * 2 + 12_345 };
  const paths = Object.keys(sizes).map((name) => join(ctx.dir, name));
  for (const [i, size] of Object.values(sizes).entries()) {
    await writeRandomFile(paths[i], size, { seed: i + 1 });
  }
  const { ids } = await ctx.share(paths);
  const out = join(ctx.dir, "out");
  const result = await runPeer(ctx.server.address, {
    args: ["--json", "-d", ids[0], "-d", ids[1].slice(0, 8), "-d", ids[2].slice(0, 12), "-o", out],
  });
  assert.equal(result.code, 0, result.stderr);
  const downloaded = eventsNamed(result.events, "downloaded");
  for (const [i, [name, size]] of Object.entries(sizes).entries()) {
    const event = downloaded.find((event) => event.fileId === ids[i]);
    assert.deepEqual(
      { path: event?.path, size: event?.size, alreadyPresent: event?.alreadyPresent },
      { path: join(out, name), size, alreadyPresent: false },
    );
    assert.equal(await sha256File(join(out, name)), await sha256File(paths[i]), name);
  }
  const left = [...Deno.readDirSync(out)].map((e) => e.name).sort();
  assert.deepEqual(left, Object.keys(sizes).sort(), "no .part files left behind");
});

Deno.test("a file of a few hundred MiB transfers intact in 2 MiB chunks, into a folder created for it", async () => {
  await using ctx = await startCluster("p2pft-e2e-");
  const path = join(ctx.dir, "big.bin");
  const size = 300 * MIB + 7;
  await writeRandomFile(path, size, { seed: 42 });
  const { peer, ids } = await ctx.share([path]);
  const out = join(ctx.dir, "new", "folder");
  const result = await runPeer(ctx.server.address, { args: ["-d", ids[0], "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "big.bin")), await sha256File(path));
  // Over 256 MiB (and up to 512 MiB), a file is cut into chunks twice the smallest size.
  assert.equal(chunkSizeFor(size), 2 * CHUNK);
  await peer.stop();
  const { bytes, chunks } = await peer.uploaded();
  assert.deepEqual(
    { bytes, chunks },
    { bytes: size, chunks: chunkCount(size, 2 * CHUNK) },
    "the only seeder sent the file once, in chunks of 2 MiB",
  );
});

Deno.test("identical content shared by two peers has one ID and both serve it", async () => {
  await using ctx = await startCluster("p2pft-e2e-");
  const a = join(ctx.dir, "a.bin");
  const b = join(ctx.dir, "b-copy.bin");
  await writeRandomFile(a, 64 * MIB, { seed: 7 });
  await Deno.copyFile(a, b);
  const first = await ctx.share([a]);
  const second = await ctx.share([b]);
  assert.equal(first.ids[0], second.ids[0], "same content, same file ID");
  const out = join(ctx.dir, "out");
  const result = await runPeer(ctx.server.address, { args: ["-d", first.ids[0], "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "a.bin")), await sha256File(a));
  const uploaded = [];
  for (const { peer } of [first, second]) {
    await peer.stop();
    const closing = await peer.uploaded();
    uploaded.push(closing.bytes);
    assert.ok((closing.cpuMs ?? 0) > 0, "the closing line counts the CPU time it took to hash");
  }
  assert.equal(uploaded[0] + uploaded[1] >= 64 * MIB, true);
  assert.ok(uploaded[0] > 0 && uploaded[1] > 0, `both seeders served chunks: ${uploaded}`);
});

Deno.test("a peer asked for a file it shares itself says it is already present and fetches nothing", async () => {
  await using ctx = await startCluster("p2pft-e2e-");
  const path = join(ctx.dir, "mine.bin");
  await writeRandomFile(path, 9 * MIB, { seed: 12 });
  const { peer, ids } = await ctx.share([path]);
  await peer.stop();
  const out = join(ctx.dir, "copy");
  const result = await runPeer(ctx.server.address, { args: ["-r", path, "-d", ids[0], "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^Already present: ${path}$`, "m"));
  assert.match(result.stderr, /already shares this content as .*mine\.bin; nothing to download/);
  assert.doesNotMatch(result.stderr, /uploaded [1-9]/, "nothing served to itself");
  await assert.rejects(Deno.stat(out), Deno.errors.NotFound, "no copy made");
});

Deno.test("an unknown ID fails fast with a clear message and a non-zero exit", async () => {
  await using ctx = await startCluster("p2pft-e2e-");
  const started = Date.now();
  const result = await runPeer(ctx.server.address, {
    args: ["--json", "-d", "deadbeef", "-o", ctx.dir],
  });
  assert.notEqual(result.code, 0);
  assertErrorEvent(result, /no file with ID deadbeef is shared on the network/);
  assert.ok(Date.now() - started < 15_000, "fails well before any timeout");
});

Deno.test("an ambiguous or malformed prefix is refused clearly", async () => {
  await using ctx = await startCluster("p2pft-e2e-");
  const bad = await runPeer(ctx.server.address, { args: ["--json", "-d", "xyz!", "-o", ctx.dir] });
  assert.notEqual(bad.code, 0);
  assertErrorEvent(bad, /not a file ID/);
});

Deno.test("an existing different file is never overwritten; identical content is done at once", async () => {
  await using ctx = await startCluster("p2pft-e2e-");
  const path = join(ctx.dir, "doc.bin");
  await writeRandomFile(path, MIB, { seed: 3 });
  const { ids } = await ctx.share([path]);
  const out = join(ctx.dir, "out");
  await Deno.mkdir(out);
  await writeRandomFile(join(out, "doc.bin"), MIB, { seed: 99 });
  const before = await sha256File(join(out, "doc.bin"));
  const download = () => runPeer(ctx.server.address, { args: ["--json", "-d", ids[0], "-o", out] });
  const first = await download();
  assert.equal(first.code, 0, first.stderr);
  assert.equal(await sha256File(join(out, "doc.bin")), before, "existing file untouched");
  const [fresh] = eventsNamed(first.events, "downloaded");
  assert.equal(fresh?.path, join(out, "doc (1).bin"), first.stdout);
  assert.equal(fresh.alreadyPresent, false);
  assert.equal(await sha256File(fresh.path), await sha256File(path));
  const again = await download();
  assert.equal(again.code, 0, again.stderr);
  const [present] = eventsNamed(again.events, "downloaded");
  assert.deepEqual({ path: present?.path, alreadyPresent: present?.alreadyPresent }, {
    path: fresh.path,
    alreadyPresent: true,
  });
  assert.equal([...Deno.readDirSync(out)].length, 2);
});
