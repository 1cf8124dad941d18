/**
 * Rogue sources in a download, through real processes on 127.0.0.1: one
 * that lies about chunk bytes, one that dies, one that stalls and one that
 * trickles.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Child,
  eventsNamed,
  P2pftProcess,
  peerArgs,
  runPeer,
  type RunResult,
} from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";
import { STALL_TIMEOUT_MS } from "../../src/peer/constants.ts";
import { startCluster } from "../helpers/cluster.ts";

/** The chunk size of every file here: each is under 256 MiB. */
const CHUNK = MIN_CHUNK_SIZE;

/** What a download beside a rogue peer leaves to check. */
interface RogueRun {
  /** The downloader's run, with `--json` events. */
  result: RunResult;
  /** The rogue peer, still running. */
  rogue: Child;
  /** The honest seeder, still running. */
  honest: P2pftProcess;
}

/**
 * Downloads a file offered by a rogue peer in `mode` and by an honest peer,
 * checks the bytes, and hands what happened to `check`.
 */
async function downloadBesideRogue(
  options: { mode: string; size: number; seed: number; timeoutMs?: number },
  check: (run: RogueRun) => Promise<void> | void,
): Promise<void> {
  await using cluster = await startCluster("p2pft-faults-");
  const path = await cluster.file("data.bin", options);
  const { rogue } = await cluster.rogue(path, options.mode);
  const { peer: honest, ids: [id] } = await cluster.share([path]);
  const out = join(cluster.dir, "out");
  const result = await runPeer(cluster.server.address, {
    args: ["--json", "-d", id, "-o", out],
    timeoutMs: options.timeoutMs,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
  await check({ result, rogue, honest });
}

Deno.test("chunks with wrong bytes are rejected, fetched elsewhere, and the liar is banned", async () => {
  // Enough chunks that the liar is asked for a third before the honest peer has sent them all
  // (with 10 the download once ended after two bad chunks).
  await downloadBesideRogue({ mode: "corrupt", size: 24 * CHUNK, seed: 5 }, ({ result }) => {
    assert.match(result.stderr, /sent bad data: chunk \d+ failed verification/);
    assert.match(result.stderr, /banned for this download after repeated bad chunks/);
  });
});

Deno.test("a peer that dies mid-download is replaced by another holding the chunks", async () => {
  await downloadBesideRogue(
    { mode: "die-after:2", size: 10 * CHUNK, seed: 6 },
    async ({ rogue }) => {
      assert.equal((await rogue.exited).code, 9, "the rogue died mid-download");
    },
  );
});

// The stalled peer's requests go to the honest peer too (endgame) and are cancelled at the stalled
// one as soon as the honest copy is verified: the download never waits for the stall timeout.
Deno.test("a stalled peer loses its requests to a working one", async () => {
  const chunks = 3;
  await downloadBesideRogue(
    // A download that waits for the stall timeout fails fast, and says so.
    { mode: "stall", size: chunks * CHUNK, seed: 8, timeoutMs: 2 * STALL_TIMEOUT_MS },
    async ({ result, rogue, honest }) => {
      const lines = rogue.stdout.lines;
      const asked = lines.flatMap((line, at) => {
        const match = line.match(/^asked for chunk (\d+) \((connection \d+, request \d+)\)$/);
        return match ? [{ chunk: Number(match[1]), request: match[2], at }] : [];
      });
      const cancelled = lines.flatMap((line, at) => {
        const match = line.match(/^cancelled \((connection \d+, request \d+)\)$/);
        return match ? [{ request: match[1], at }] : [];
      });
      assert.ok(asked.length > 0, `the stalled peer was asked for chunks:\n${rogue.describe()}`);
      for (const { chunk, request } of asked) {
        assert.ok(
          cancelled.some((cancel) => cancel.request === request),
          `the request for chunk ${chunk} was taken back from the stalled peer:\n${rogue.describe()}`,
        );
      }
      assert.ok(
        asked.every((ask) => ask.at < cancelled[0].at),
        `the stalled peer was asked for nothing once its requests were taken back:\n${rogue.describe()}`,
      );
      assert.ok(
        !lines.some((line) => line.startsWith("served chunk")),
        "the stalled peer sent nothing",
      );
      await honest.stop();
      assert.equal((await honest.uploaded()).chunks, chunks, "the honest peer sent every chunk");
      const [downloaded] = eventsNamed(result.events, "downloaded");
      assert.ok(downloaded, result.stdout);
      assert.ok(
        downloaded.elapsedMs < STALL_TIMEOUT_MS,
        `done in ${downloaded.elapsedMs} ms: the stalled peer held nothing up until the stall timeout`,
      );
    },
  );
});

Deno.test("a source that trickles a chunk is cut off, so it cannot hold a chunk buffer for ever", async () => {
  await using cluster = await startCluster("p2pft-faults-");
  const path = await cluster.file("data.bin", { size: 16 * CHUNK, seed: 12 });
  const { rogue: trickler, id } = await cluster.rogue(path, "trickle");
  // The only honest source is slow, so the download lasts past the frame grace time.
  await cluster.rogue(path, "slow:1000");
  const out = join(cluster.dir, "out");
  const downloader = cluster.use(
    new P2pftProcess(peerArgs(cluster.server.address, ["--json", "-d", id, "-o", out])),
  );
  // The downloader's first connection (the server's reachability check came before it).
  const [, first] = await trickler.stdout.waitFor(
    /^asked for chunk \d+ \(connection (\d+), request \d+\)$/,
  );
  await downloader.waitForEvent("downloaded", 60_000);
  // Still running: only the frame watch can have closed the trickling connection.
  assert.match(
    trickler.stdout.text,
    new RegExp(`^connection ${first} closed$`, "m"),
    `the downloader cut the trickling source off before it finished:\n${trickler.describe()}`,
  );
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
});
