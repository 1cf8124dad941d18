/**
 * Peers given two servers (`--server a,b`) fail over when theirs is killed:
 * real server and peer processes on 127.0.0.1, plain servers (replicas on
 * Redis are tested in redis_replicas_test.ts).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  P2pftProcess,
  peerArgs,
  runPeer,
  startPeer,
  startServer,
} from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import { fileIds, startRogue, tempDir } from "../helpers/cluster.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";

const MIB = 1024 * 1024;

/** Two plain servers; disposing of them stops both. */
async function twoServers() {
  const servers = [await startServer(), await startServer()];
  return {
    servers,
    list: servers.map((server) => server.address).join(","),
    /** The server whose address `process` last logged `connected to server …` with. */
    async of(process: P2pftProcess, after = 0): Promise<P2pftProcess> {
      const pattern = /connected to server (\S+?);/;
      const lines = await process.stderr.waitForCount(pattern, { count: after + 1 });
      const address = lines[after][1];
      const server = servers.find((one) => one.address === address);
      assert.ok(server, `connected to ${address}, none of ${servers.map((s) => s.address)}`);
      return server;
    },
    async [Symbol.asyncDispose]() {
      for (const server of servers) await server.stop();
    },
  };
}

Deno.test("a peer whose server is killed registers with the other and shares there again", async () => {
  await using dir = await tempDir("p2pft-failover-");
  await using two = await twoServers();
  const path = join(dir.path, "data.bin");
  await writeRandomFile(path, 9 * MIB, { seed: 31 });
  await using seeder = await startPeer(two.list, { args: ["-r", path] });
  const [id] = await fileIds(seeder);
  const first = await two.of(seeder);
  await first.stop("SIGKILL");
  const second = await two.of(seeder, 1);
  assert.notEqual(second, first);
  await seeder.stderr.waitFor(new RegExp(`connected to server ${second.address};.*sharing 1 file`));
  const out = join(dir.path, "out");
  const result = await runPeer(second.address, { args: ["-d", id, "-o", out] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await sha256File(join(out, "data.bin")), await sha256File(path));
});

Deno.test("a download running when its server is killed goes on, its chunks shared on the other", async () => {
  await using dir = await tempDir("p2pft-failover-");
  await using two = await twoServers();
  const path = join(dir.path, "slow.bin");
  // Six chunks (of the chunk size of files under 256 MiB), one each 300 ms from each seeder.
  await writeRandomFile(path, 6 * MIN_CHUNK_SIZE, { seed: 32 });
  // A slow seeder on each server: plain servers do not share their peers, so
  // the downloader finds one on whichever server it fails over to.
  await using rogueA = startRogue(two.servers[0].address, { file: path, mode: "slow:300" });
  await using rogueB = startRogue(two.servers[1].address, { file: path, mode: "slow:300" });
  const [id] = await fileIds(rogueA);
  assert.deepEqual(await fileIds(rogueB), [id]);
  const out = join(dir.path, "out");
  await using downloader = new P2pftProcess(
    peerArgs(two.list, ["-d", id, "-o", out, "--exit-when-done"]),
  );
  const first = await two.of(downloader);
  await Promise.any([rogueA, rogueB].map((rogue) => rogue.stdout.waitFor(/^served chunk/)));
  await first.stop("SIGKILL");
  const second = await two.of(downloader, 1);
  assert.notEqual(second, first);
  await downloader.stderr.waitFor(new RegExp(`connected to server ${second.address};.*sharing 1`));
  const exit = await downloader.exit(30_000);
  assert.equal(exit.code, 0, downloader.describe());
  assert.equal(await sha256File(join(out, "slow.bin")), await sha256File(path));
});
