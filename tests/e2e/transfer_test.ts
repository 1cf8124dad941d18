/**
 * End-to-end transfers through real server and peer processes on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type P2pftProcess,
  runPeer,
  sha256File,
  startPeer,
  startServer,
  writeRandomFile,
} from "../helpers/cluster.ts";

const MIB = 1024 * 1024;
const CHUNK = 4 * MIB;

async function withCluster(
  fn: (ctx: { server: P2pftProcess; dir: string; spawned: P2pftProcess[] }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-e2e-" });
  const server = await startServer();
  const spawned: P2pftProcess[] = [];
  try {
    await fn({ server, dir, spawned });
  } finally {
    await Promise.all(spawned.map((p) => p.stop()));
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

async function share(
  ctx: { server: P2pftProcess; spawned: P2pftProcess[] },
  paths: string[],
): Promise<{ peer: P2pftProcess; ids: string[] }> {
  const peer = await startPeer(ctx.server.address, { args: paths.flatMap((p) => ["-r", p]) });
  ctx.spawned.push(peer);
  const matches = await peer.stdout.waitForCount(/^File ID: ([0-9a-f]{64})$/, {
    count: paths.length,
  });
  const ids = matches.map((match) => match[1]);
  assert.equal(ids.length, paths.length);
  return { peer, ids };
}

Deno.test("files of edge sizes transfer intact, by full ID and by prefix", async () => {
  await withCluster(async (ctx) => {
    const sizes = { "empty.bin": 0, "one.bin": 1, "odd.bin": CHUNK * 2 + 12_345 };
    const paths = Object.keys(sizes).map((name) => join(ctx.dir, name));
    for (const [i, size] of Object.values(sizes).entries()) {
      await writeRandomFile(paths[i], size, { seed: i + 1 });
    }
    const { ids } = await share(ctx, paths);
    const out = join(ctx.dir, "out");
    await Deno.mkdir(out);
    const result = await runPeer(ctx.server.address, {
      args: ["-d", ids[0], "-d", ids[1].slice(0, 8), "-d", ids[2].slice(0, 12), "-o", out],
    });
    assert.equal(result.code, 0, result.stderr);
    for (const [i, name] of Object.keys(sizes).entries()) {
      assert.equal(await sha256File(join(out, name)), await sha256File(paths[i]), name);
      assert.match(result.stdout, new RegExp(`Downloaded: .*${name}`));
    }
    const left = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(left, Object.keys(sizes).sort(), "no .part files left behind");
  });
});

Deno.test("a file of a few hundred MiB transfers intact, into a folder created for it", async () => {
  await withCluster(async (ctx) => {
    const path = join(ctx.dir, "big.bin");
    await writeRandomFile(path, 300 * MIB + 7, { seed: 42 });
    const { ids } = await share(ctx, [path]);
    const out = join(ctx.dir, "new", "folder");
    const result = await runPeer(ctx.server.address, { args: ["-d", ids[0], "-o", out] });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await sha256File(join(out, "big.bin")), await sha256File(path));
  });
});

Deno.test("identical content shared by two peers has one ID and both serve it", async () => {
  await withCluster(async (ctx) => {
    const a = join(ctx.dir, "a.bin");
    const b = join(ctx.dir, "b-copy.bin");
    await writeRandomFile(a, 64 * MIB, { seed: 7 });
    await Deno.copyFile(a, b);
    const first = await share(ctx, [a]);
    const second = await share(ctx, [b]);
    assert.equal(first.ids[0], second.ids[0], "same content, same file ID");
    const out = join(ctx.dir, "out");
    await Deno.mkdir(out);
    const result = await runPeer(ctx.server.address, { args: ["-d", first.ids[0], "-o", out] });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await sha256File(join(out, "a.bin")), await sha256File(a));
    const uploaded = [];
    for (const peer of [first.peer, second.peer]) {
      await peer.stop();
      const closing = await peer.stderr.waitFor(/uploaded (\d+) bytes.*; (\d+) ms of CPU time/);
      uploaded.push(Number(closing[1]));
      assert.ok(Number(closing[2]) > 0, "the closing line counts the CPU time it took to hash");
    }
    assert.equal(uploaded[0] + uploaded[1] >= 64 * MIB, true);
    assert.ok(uploaded[0] > 0 && uploaded[1] > 0, `both seeders served chunks: ${uploaded}`);
  });
});

Deno.test("a peer can download a file it shares itself into another folder", async () => {
  await withCluster(async (ctx) => {
    const path = join(ctx.dir, "mine.bin");
    await writeRandomFile(path, 9 * MIB, { seed: 12 });
    const { peer, ids } = await share(ctx, [path]);
    await peer.stop();
    const out = join(ctx.dir, "copy");
    const result = await runPeer(ctx.server.address, {
      args: ["-r", path, "-d", ids[0], "-o", out],
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await sha256File(join(out, "mine.bin")), await sha256File(path));
  });
});

Deno.test("an unknown ID fails fast with a clear message and a non-zero exit", async () => {
  await withCluster(async (ctx) => {
    const started = Date.now();
    const result = await runPeer(ctx.server.address, {
      args: ["-d", "deadbeef", "-o", ctx.dir],
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /no file with ID deadbeef is shared on the network/);
    assert.ok(Date.now() - started < 15_000, "fails well before any timeout");
  });
});

Deno.test("an ambiguous or malformed prefix is refused clearly", async () => {
  await withCluster(async (ctx) => {
    const bad = await runPeer(ctx.server.address, { args: ["-d", "xyz!", "-o", ctx.dir] });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /not a file ID/);
  });
});

Deno.test("an existing different file is never overwritten; identical content is done at once", async () => {
  await withCluster(async (ctx) => {
    const path = join(ctx.dir, "doc.bin");
    await writeRandomFile(path, MIB, { seed: 3 });
    const { ids } = await share(ctx, [path]);
    const out = join(ctx.dir, "out");
    await Deno.mkdir(out);
    await writeRandomFile(join(out, "doc.bin"), MIB, { seed: 99 });
    const before = await sha256File(join(out, "doc.bin"));
    const first = await runPeer(ctx.server.address, { args: ["-d", ids[0], "-o", out] });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await sha256File(join(out, "doc.bin")), before, "existing file untouched");
    assert.equal(await sha256File(join(out, "doc (1).bin")), await sha256File(path));
    const again = await runPeer(ctx.server.address, { args: ["-d", ids[0], "-o", out] });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Already present: .*doc \(1\)\.bin/);
    assert.equal([...Deno.readDirSync(out)].length, 2);
  });
});
