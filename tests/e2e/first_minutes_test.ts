/**
 * The rough edges a new user meets in the first minutes, through real
 * processes on loopback: a server that is down or on another port, a port
 * already taken, a misspelled path, an output folder that is a file, and
 * Ctrl-C in the middle of a download.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { P2pftProcess, peerArgs, runPeer, startServer } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";
import { freePort, startCluster, tempDir } from "../helpers/cluster.ts";
import { downloader, journalChunks, waitUntil } from "../helpers/resume.ts";

/** The chunk size of every file here: each is under 256 MiB. */
const CHUNK = MIN_CHUNK_SIZE;

/** A one-shot command must give up on a server that cannot be reached within this. */
const FAIL_FAST_MS = 8_000;

Deno.test("a one-shot download fails within seconds when the server is down or on another port", async () => {
  const nowhere = `127.0.0.1:${freePort()}`;
  const started = Date.now();
  const result = await runPeer(nowhere, { args: ["-d", "abcd1234"] });
  const took = Date.now() - started;
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`cannot reach the server at ${nowhere} .*--server`));
  assert.ok(took < FAIL_FAST_MS, `took ${took} ms`);
});

Deno.test("a sharing peer says at once that its server is away, retries visibly, and joins when it comes", async () => {
  await using dir = await tempDir("p2pft-first-");
  const path = join(dir.path, "early.txt");
  await Deno.writeTextFile(path, "shared before the server runs\n");
  const port = freePort();
  await using peer = new P2pftProcess(peerArgs(`127.0.0.1:${port}`, ["-r", path]));
  const warned = await peer.stderr.waitFor(
    /WARN .*cannot reach the server at 127\.0\.0\.1:\d+ .*retrying/,
    5_000,
  );
  assert.ok(warned);
  await peer.stderr.waitFor(/INFO .*still cannot reach the server .* attempts in \d+ s/, 5_000);
  await using server = await startServer({ addr: `127.0.0.1:${port}` });
  await peer.stderr.waitFor(/connected to server .*sharing 1 file/, 15_000);
  await server.stderr.waitFor(/registered at/);
});

Deno.test("a second peer on a taken address is told about the port, not the data folder", async () => {
  await using server = await startServer();
  const addr = `127.0.0.1:${freePort()}`;
  const args = ["peer", "--addr", addr, "--server", server.address];
  await using first = await new P2pftProcess(args).listening();
  await using second = new P2pftProcess(args);
  const status = await second.exit();
  assert.equal(status.code, 1, second.stderr.text);
  assert.match(
    second.stderr.text,
    new RegExp(`port ${first.port} \\(${addr}\\) is already in use: .*--addr 127\\.0\\.0\\.1:0`),
  );
  assert.doesNotMatch(second.stderr.text, /data folder/);
});

Deno.test("a misspelled -r path fails at once, before any server is dialled, naming a close match", async () => {
  await using dir = await tempDir("p2pft-first-");
  await Deno.writeTextFile(join(dir.path, "hello.txt"), "hi\n");
  const nowhere = `127.0.0.1:${freePort()}`;
  const result = await runPeer(nowhere, { args: ["-r", "helo.txt"], cwd: dir.path });
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `cannot register ${join(dir.path, "helo.txt")}: no such file or folder; ` +
        `did you mean ${join(dir.path, "hello.txt")}\\?`,
    ),
  );
  assert.doesNotMatch(result.stderr, /server/, "checked before the server is dialled");
});

Deno.test("-o naming a file is refused clearly, before anything starts", async () => {
  await using dir = await tempDir("p2pft-first-");
  const file = join(dir.path, "notes.txt");
  await Deno.writeTextFile(file, "not a folder\n");
  const result = await runPeer(`127.0.0.1:${freePort()}`, { args: ["-d", "abcd", "-o", file] });
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(`cannot save downloads in ${file}: it is a file, not a folder`),
  );
  assert.doesNotMatch(result.stderr, /File exists/);
});

Deno.test("Ctrl-C on a one-shot download says where it stopped and that the same command resumes; exit 130", async () => {
  await using cluster = await startCluster("p2pft-first-");
  const chunks = 10;
  const path = await cluster.file("data.bin", { size: chunks * CHUNK - 1000, seed: 73 });
  const { id } = await cluster.rogue(path, "slow:120");
  const out = join(cluster.dir, "out");
  const dataDir = join(cluster.dir, "state");
  const args = ["--data-dir", dataDir, "-d", id, "-o", out];
  await using first = downloader(cluster.server.address, args);
  await waitUntil(async () => await journalChunks(dataDir) >= 3, "3 chunks");
  const status = await first.stop("SIGINT");
  assert.equal(status.code, 130, first.stderr.text);
  assert.match(
    first.stderr.text,
    new RegExp(
      `WARN .*stopped data\\.bin at \\d+% \\(\\d+ of ${chunks} chunks verified, kept in ` +
        `${join(out, "data.bin")}\\.part\\); run the same command again to resume it`,
    ),
  );
  assert.doesNotMatch(first.stderr.text, /ERROR/);
  await using again = downloader(cluster.server.address, args);
  assert.equal((await again.exit()).code, 0, again.stderr.text);
  assert.match(again.stderr.text, /resuming data\.bin: \d+ of 10 chunks already verified/);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
});
