/**
 * Resume and persistence through real processes: killed downloaders,
 * vanishing seeders and servers, full disks, changed shared files.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Child,
  eventsNamed,
  P2pftProcess,
  peerArgs,
  runPeer,
  startPeer,
  startServer,
} from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";
import { fileIds, freePort, startCluster, startRogue, tempDir } from "../helpers/cluster.ts";
import { downloader, JOURNAL_RECORD, journalChunks, waitUntil } from "../helpers/resume.ts";

const MIB = 1024 * 1024;
/** The chunk size of every file here: each is under 256 MiB. */
const CHUNK = MIN_CHUNK_SIZE;
/** Chunks a killed downloader may have had in flight, re-fetched after a restart. */
const RESTART_MARGIN_CHUNKS = 8;

/** What a resume scenario gets: a slow seeder of `data.bin`, its ID, and folders. */
interface ResumeContext {
  server: P2pftProcess;
  seeder: Child;
  path: string;
  id: string;
  dataDir: string;
  out: string;
}

/** Runs `fn` against a slow rogue seeder sharing a file of `size` bytes. */
async function withSlowSeeder(
  options: { size: number; seed: number },
  fn: (context: ResumeContext) => Promise<void>,
): Promise<void> {
  await using cluster = await startCluster("p2pft-resume-");
  const path = await cluster.file("data.bin", options);
  const { rogue: seeder, id } = await cluster.rogue(path, "slow:120");
  const out = join(cluster.dir, "out");
  await Deno.mkdir(out);
  const dataDir = join(cluster.dir, "state");
  await fn({ server: cluster.server, seeder, path, id, dataDir, out });
}

Deno.test("a downloader killed at 30% and 80% finishes after restarts, fetching only what is missing", async () => {
  const chunks = 10;
  await withSlowSeeder({ size: chunks * CHUNK - 1000, seed: 21 }, async (ctx) => {
    for (const fraction of [0.3, 0.8]) {
      const args = fraction === 0.3 ? ["-d", ctx.id, "-o", ctx.out] : [];
      await using peer = downloader(ctx.server.address, ["--data-dir", ctx.dataDir, ...args]);
      await waitUntil(
        async () => await journalChunks(ctx.dataDir) >= Math.ceil(chunks * fraction),
        `${fraction * 100}% of the chunks`,
      );
      await peer.stop("SIGKILL");
      assert.ok(
        (await Deno.stat(join(ctx.out, "data.bin.part"))).isFile,
        "the .part file is kept",
      );
      await assert.rejects(Deno.stat(join(ctx.out, "data.bin")), "no file under the final name");
    }
    await using last = downloader(ctx.server.address, ["--data-dir", ctx.dataDir]);
    const status = await last.exit();
    assert.equal(status.code, 0, last.stderr.text);
    assert.match(last.stderr.text, /resuming data\.bin: \d+ of 10 chunks already verified/);
    assert.equal(await sha256File(join(ctx.out, "data.bin")), await sha256File(ctx.path));
    const served = ctx.seeder.stdout.lines.filter((line) => line.startsWith("served chunk")).length;
    assert.ok(
      served <= chunks + RESTART_MARGIN_CHUNKS,
      `seeder sent ${served} chunks for a ${chunks}-chunk file`,
    );
    const left = [...Deno.readDirSync(join(ctx.dataDir, "downloads"))];
    assert.deepEqual(left, [], "a finished download leaves no resume state");
  });
});

Deno.test("resuming re-verifies recorded chunks and fetches again those damaged on disk", async () => {
  await withSlowSeeder({ size: 8 * CHUNK, seed: 27 }, async (ctx) => {
    {
      await using first = downloader(ctx.server.address, [
        "--data-dir",
        ctx.dataDir,
        "-d",
        ctx.id,
        "-o",
        ctx.out,
      ]);
      await waitUntil(async () => await journalChunks(ctx.dataDir) >= 3, "3 verified chunks");
      await first.stop("SIGKILL");
    }
    const journal = await Deno.readFile(join(ctx.dataDir, "downloads", `${ctx.id}.chunks`));
    const recorded = new DataView(journal.buffer);
    {
      using part = await Deno.open(join(ctx.out, "data.bin.part"), { read: true, write: true });
      for (let offset = 0; offset + JOURNAL_RECORD <= journal.length; offset += JOURNAL_RECORD) {
        await part.seek(recorded.getUint32(offset) * CHUNK, Deno.SeekMode.Start);
        await part.write(new Uint8Array([0xde, 0xad]));
      }
    }
    await using again = downloader(ctx.server.address, ["--data-dir", ctx.dataDir]);
    const status = await again.exit();
    assert.equal(status.code, 0, again.stderr.text);
    assert.match(again.stderr.text, /resuming data\.bin: 0 of 8 chunks already verified/);
    assert.equal(await sha256File(join(ctx.out, "data.bin")), await sha256File(ctx.path));
  });
});

Deno.test("when the only seeder vanishes the download waits, then completes when a source returns", async () => {
  await using cluster = await startCluster("p2pft-resume-");
  const path = await cluster.file("data.bin", { size: 8 * CHUNK, seed: 22 });
  const { rogue, id } = await cluster.rogue(path, "slow:50,die-after:3");
  const out = join(cluster.dir, "out");
  await using peer = downloader(cluster.server.address, ["-d", id, "-o", out]);
  await peer.stderr.waitFor(/waiting for a peer that has this file/);
  assert.equal((await rogue.exited).code, 9);
  await cluster.share([path]);
  const status = await peer.exit();
  assert.equal(status.code, 0, peer.stderr.text);
  assert.match(peer.stderr.text, /sources found, downloading again/);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
});

Deno.test("transfers go on while the server is away, and registration recovers when it returns", async () => {
  await using dir = await tempDir("p2pft-resume-");
  const addr = `127.0.0.1:${freePort()}`;
  await using first = await startServer({ addr });
  const path = join(dir.path, "data.bin");
  await writeRandomFile(path, 10 * CHUNK, { seed: 23 });
  await using seeder = startRogue(addr, { file: path, mode: "slow:100" });
  const [id] = await fileIds(seeder);
  const out = join(dir.path, "out");
  await using peer = downloader(addr, ["-d", id, "-o", out]);
  await seeder.stdout.waitFor(/^served chunk/);
  await first.stop();
  await peer.stderr.waitFor(/lost the server/);
  await using second = await startServer({ addr });
  const status = await peer.exit();
  assert.equal(status.code, 0, peer.stderr.text);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
  await second.stderr.waitFor(/registered at/);
});

Deno.test("a peer re-shares after a restart, re-hashing files that changed", async () => {
  await using cluster = await startCluster("p2pft-resume-");
  const { server } = cluster;
  const dataDir = join(cluster.dir, "state");
  const out = join(cluster.dir, "out");
  const path = await cluster.file("doc.bin", { size: 3 * MIB, seed: 24 });
  let oldId: string;
  {
    await using first = await startPeer(server.address, {
      args: ["--data-dir", dataDir, "-r", path],
    });
    [oldId] = await fileIds(first);
  }
  {
    await using again = await startPeer(server.address, { args: ["--data-dir", dataDir] });
    await again.stderr.waitFor(/connected to server .* sharing 1 file/);
    const fetched = await runPeer(server.address, { args: ["-d", oldId, "-o", out] });
    assert.equal(fetched.code, 0, fetched.stderr);
  }
  await writeRandomFile(path, 3 * MIB, { seed: 25 });
  await using changed = await startPeer(server.address, { args: ["--data-dir", dataDir] });
  await changed.stderr.waitFor(/doc\.bin changed since it was shared; hashing it again/);
  await changed.stderr.waitFor(/sharing .*doc\.bin as [0-9a-f]{64}/);
  const stale = await runPeer(server.address, { args: ["-d", oldId, "-o", out] });
  assert.notEqual(stale.code, 0, "the old content is no longer offered");
});

Deno.test("two peers cannot share one data folder", async () => {
  await using cluster = await startCluster("p2pft-resume-");
  const dataDir = join(cluster.dir, "state");
  await cluster.share([], { args: ["--data-dir", dataDir] });
  await using second = new P2pftProcess(peerArgs(cluster.server.address, ["--data-dir", dataDir]));
  const status = await second.exit();
  assert.notEqual(status.code, 0);
  assert.match(second.stderr.text, /is in use by another p2pft peer; give this one its own/);
});

Deno.test("the same ID asked twice at once is downloaded once", async () => {
  await using cluster = await startCluster("p2pft-resume-");
  const path = await cluster.file("twice.bin", { size: 9 * MIB, seed: 26 });
  const { ids: [id] } = await cluster.share([path]);
  const out = join(cluster.dir, "out");
  const result = await runPeer(cluster.server.address, {
    args: ["--json", "-d", id, "-d", id.slice(0, 16), "-o", out],
  });
  assert.equal(result.code, 0, result.stderr);
  const downloaded = eventsNamed(result.events, "downloaded");
  assert.equal(downloaded.length, 2, "each ask gets its answer");
  assert.deepEqual(
    new Set(downloaded.map((event) => `#${event.download} ${event.path}`)),
    new Set([`#${downloaded[0].download} ${join(out, "twice.bin")}`]),
    "both answers are the same download",
  );
  assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["twice.bin"]);
  assert.equal(await sha256File(join(out, "twice.bin")), await sha256File(path));
});
