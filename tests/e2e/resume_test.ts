/**
 * Resume and persistence through real processes: killed downloaders,
 * vanishing seeders and servers, full disks, changed shared files.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  freePort,
  P2pftProcess,
  type Rogue,
  runPeer,
  sha256File,
  startPeer,
  startRogue,
  startServer,
  writeRandomFile,
} from "../helpers/cluster.ts";

const MIB = 1024 * 1024;
const CHUNK = 4 * MIB;
const JOURNAL_RECORD = 4;
/** Chunks a killed downloader may have had in flight, re-fetched after a restart. */
const RESTART_MARGIN_CHUNKS = 8;

async function journalChunks(dataDir: string): Promise<number> {
  try {
    for await (const entry of Deno.readDir(join(dataDir, "downloads"))) {
      if (entry.name.endsWith(".chunks")) {
        return (await Deno.stat(join(dataDir, "downloads", entry.name))).size / JOURNAL_RECORD;
      }
    }
  } catch {
    // Not created yet.
  }
  return 0;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function downloader(server: string, args: string[]): P2pftProcess {
  return new P2pftProcess([
    "peer",
    "--addr",
    "127.0.0.1:0",
    "--server",
    server,
    "--exit-when-done",
    ...args,
  ]);
}

/** What a resume scenario gets: a slow seeder of `data.bin`, its ID, and folders. */
interface ResumeContext {
  server: P2pftProcess;
  seeder: Rogue;
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
  const dir = await Deno.makeTempDir({ prefix: "p2pft-resume-" });
  const server = await startServer();
  const path = join(dir, "data.bin");
  await writeRandomFile(path, options.size, { seed: options.seed });
  const seeder = startRogue(server.address, { file: path, mode: "slow:120" });
  try {
    const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    const out = join(dir, "out");
    await Deno.mkdir(out);
    await fn({ server, seeder, path, id, dataDir: join(dir, "state"), out });
  } finally {
    await seeder.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a downloader killed at 30% and 80% finishes after restarts, fetching only what is missing", async () => {
  const chunks = 10;
  await withSlowSeeder({ size: chunks * CHUNK - 1000, seed: 21 }, async (ctx) => {
    for (const fraction of [0.3, 0.8]) {
      const args = fraction === 0.3 ? ["-d", ctx.id, "-o", ctx.out] : [];
      const peer = downloader(ctx.server.address, ["--data-dir", ctx.dataDir, ...args]);
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
    const last = downloader(ctx.server.address, ["--data-dir", ctx.dataDir]);
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
    const first = downloader(ctx.server.address, [
      "--data-dir",
      ctx.dataDir,
      "-d",
      ctx.id,
      "-o",
      ctx.out,
    ]);
    await waitUntil(async () => await journalChunks(ctx.dataDir) >= 3, "3 verified chunks");
    await first.stop("SIGKILL");
    const journal = await Deno.readFile(join(ctx.dataDir, "downloads", `${ctx.id}.chunks`));
    const recorded = new DataView(journal.buffer);
    const part = await Deno.open(join(ctx.out, "data.bin.part"), { read: true, write: true });
    for (let offset = 0; offset + JOURNAL_RECORD <= journal.length; offset += JOURNAL_RECORD) {
      await part.seek(recorded.getUint32(offset) * CHUNK, Deno.SeekMode.Start);
      await part.write(new Uint8Array([0xde, 0xad]));
    }
    part.close();
    const again = downloader(ctx.server.address, ["--data-dir", ctx.dataDir]);
    const status = await again.exit();
    assert.equal(status.code, 0, again.stderr.text);
    assert.match(again.stderr.text, /resuming data\.bin: 0 of 8 chunks already verified/);
    assert.equal(await sha256File(join(ctx.out, "data.bin")), await sha256File(ctx.path));
  });
});

Deno.test("when the only seeder vanishes the download waits, then completes when a source returns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-resume-" });
  const server = await startServer();
  const path = join(dir, "data.bin");
  await writeRandomFile(path, 8 * CHUNK, { seed: 22 });
  const rogue = startRogue(server.address, { file: path, mode: "slow:50,die-after:3" });
  let seeder: P2pftProcess | undefined;
  try {
    const id = (await rogue.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const peer = downloader(server.address, ["-d", id, "-o", out]);
    await peer.stderr.waitFor(/waiting for a peer that has this file/);
    assert.equal((await rogue.child.status).code, 9);
    seeder = await startPeer(server.address, { args: ["-r", path] });
    const status = await peer.exit();
    assert.equal(status.code, 0, peer.stderr.text);
    assert.match(peer.stderr.text, /sources found, downloading again/);
    assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
  } finally {
    await seeder?.stop();
    await rogue.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transfers go on while the server is away, and registration recovers when it returns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-resume-" });
  const address = `127.0.0.1:${freePort()}`;
  let server = await new P2pftProcess(["server", "--addr", address]).listening();
  const path = join(dir, "data.bin");
  await writeRandomFile(path, 10 * CHUNK, { seed: 23 });
  const seeder = startRogue(address, { file: path, mode: "slow:100" });
  try {
    const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const peer = downloader(address, ["-d", id, "-o", out]);
    await seeder.stdout.waitFor(/^served chunk/);
    await server.stop();
    await peer.stderr.waitFor(/lost the server/);
    server = await new P2pftProcess(["server", "--addr", address]).listening();
    const status = await peer.exit();
    assert.equal(status.code, 0, peer.stderr.text);
    assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
    await server.stderr.waitFor(/registered at/);
  } finally {
    await seeder.stop();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a peer re-shares after a restart, re-hashing files that changed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-resume-" });
  const server = await startServer();
  const dataDir = join(dir, "state");
  const path = join(dir, "doc.bin");
  await writeRandomFile(path, 3 * MIB, { seed: 24 });
  try {
    const first = await startPeer(server.address, { args: ["--data-dir", dataDir, "-r", path] });
    const oldId = (await first.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    await first.stop();
    const again = await startPeer(server.address, { args: ["--data-dir", dataDir] });
    await again.stderr.waitFor(/connected to server .* sharing 1 file/);
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const fetched = await runPeer(server.address, { args: ["-d", oldId, "-o", out] });
    assert.equal(fetched.code, 0, fetched.stderr);
    await again.stop();

    await writeRandomFile(path, 3 * MIB, { seed: 25 });
    const changed = await startPeer(server.address, { args: ["--data-dir", dataDir] });
    await changed.stderr.waitFor(/doc\.bin changed since it was shared; hashing it again/);
    await changed.stderr.waitFor(/sharing .*doc\.bin as [0-9a-f]{64}/);
    const stale = await runPeer(server.address, { args: ["-d", oldId, "-o", out] });
    assert.notEqual(stale.code, 0, "the old content is no longer offered");
    await changed.stop();
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two peers cannot share one data folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-resume-" });
  const server = await startServer();
  try {
    const first = await startPeer(server.address, { args: ["--data-dir", dir] });
    const second = new P2pftProcess([
      "peer",
      "--addr",
      "127.0.0.1:0",
      "--server",
      server.address,
      "--data-dir",
      dir,
    ]);
    const status = await second.exit();
    assert.notEqual(status.code, 0);
    assert.match(second.stderr.text, /is in use by another p2pft peer; give this one its own/);
    await first.stop();
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the same ID asked twice at once is downloaded once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-resume-" });
  const server = await startServer();
  const path = join(dir, "twice.bin");
  await writeRandomFile(path, 9 * MIB, { seed: 26 });
  try {
    const seeder = await startPeer(server.address, { args: ["-r", path] });
    const id = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/))[1];
    const out = join(dir, "out");
    await Deno.mkdir(out);
    const result = await runPeer(server.address, {
      args: ["-d", id, "-d", id.slice(0, 16), "-o", out],
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name), ["twice.bin"]);
    assert.equal(await sha256File(join(out, "twice.bin")), await sha256File(path));
    await seeder.stop();
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
