/**
 * Downloaders feeding each other while they are still downloading.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { P2pftProcess, peerArgs } from "../../scripts/process_harness.ts";
import { sha256File } from "../../scripts/sample_files.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";
import { startCluster } from "../helpers/cluster.ts";

/** The chunk size of every file here: each is under 256 MiB. */
const CHUNK = MIN_CHUNK_SIZE;

Deno.test("when the seeder sends each chunk only once, downloaders get the rest from each other", async () => {
  await using cluster = await startCluster("p2pft-swarm-");
  const chunks = 16;
  const size = chunks * CHUNK - 3;
  const path = await cluster.file("swarm.bin", { size, seed: 61 });
  const { rogue: seeder, id } = await cluster.rogue(path, "slow:40,once");
  const outs = ["a", "b"].map((name) => join(cluster.dir, name));
  const [a, b] = outs.map((out) =>
    cluster.use(new P2pftProcess(peerArgs(cluster.server.address, ["--json", "-d", id, "-o", out])))
  );
  for (const [i, downloader] of [a, b].entries()) {
    const downloaded = await downloader.waitForEvent("downloaded", 60_000);
    assert.equal(downloaded.path, join(outs[i], "swarm.bin"));
    assert.equal(await sha256File(downloaded.path), await sha256File(path));
  }
  assert.equal((await seeder.exited).code, 9, "the seeder left after one copy");
  const fromSeeder = seeder.stdout.lines.filter((l) => l.startsWith("served chunk")).length;
  assert.equal(fromSeeder, chunks, "the seeder sent each chunk exactly once");
  const uploaded = [];
  for (const downloader of [a, b]) {
    await downloader.stop();
    uploaded.push((await downloader.uploaded()).bytes);
  }
  assert.ok(uploaded.every((bytes) => bytes > 0), `both downloaders served chunks: ${uploaded}`);
  assert.ok(uploaded[0] + uploaded[1] >= size, "the swarm supplied the other copy");
});
