/**
 * Server replicas on Redis (`p2pft server --redis`): a real redis-server of
 * the test's own, replicas and peers as real processes on 127.0.0.1 (the
 * `have` notice that crosses replicas, through servers in this process).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  P2pftProcess,
  peerArgs,
  runP2pft,
  runPeer,
  startPeer,
  startServer,
} from "../../scripts/process_harness.ts";
import { sha256File, writeRandomFile } from "../../scripts/sample_files.ts";
import type { ServerToPeer, SharedFileEntry } from "../../src/protocol/messages.ts";
import { ServerLink } from "../../src/peer/server_link.ts";
import { Replica } from "../../src/server/replica.ts";
import { CentralServer } from "../../src/server/server.ts";
import { MIN_CHUNK_SIZE } from "../../src/constants.ts";
import { Bitfield } from "../../src/storage/bitfield.ts";
import { computeFileId } from "../../src/storage/manifest.ts";
import { testCredentials } from "../../src/test_credentials.ts";
import { fileIds, freePort, startRogue, tempDir } from "../helpers/cluster.ts";
import { hasRedisServer, type RedisServer, startRedis } from "../../scripts/redis_server.ts";

const ignore = !hasRedisServer();
const MIB = 1024 * 1024;

/** Two replicas on `redis`; disposing of them stops both. */
async function twoReplicas(redis: RedisServer) {
  const args = ["--redis", redis.url];
  const replicas = [await startServer({ args }), await startServer({ args })];
  return {
    replicas,
    list: replicas.map((replica) => replica.address).join(","),
    /** The replica whose address `process` logged its `after`-th `connected to server …` with. */
    async of(process: P2pftProcess, after = 0): Promise<P2pftProcess> {
      const lines = await process.stderr.waitForCount(/connected to server (\S+?);/, {
        count: after + 1,
      });
      const replica = replicas.find((one) => one.address === lines[after][1]);
      assert.ok(replica, `connected to ${lines[after][1]}`);
      return replica;
    },
    async [Symbol.asyncDispose]() {
      for (const replica of replicas) await replica.stop();
    },
  };
}

Deno.test({
  name: "a file shared through one replica downloads through the other, also after Redis restarts",
  ignore,
  async fn() {
    await using dir = await tempDir("p2pft-replicas-");
    await using redis = await startRedis();
    await using two = await twoReplicas(redis);
    const [a, b] = two.replicas;
    const first = join(dir.path, "first.bin");
    await writeRandomFile(first, 9 * MIB, { seed: 41 });
    await using seeder = await startPeer(a.address, { args: ["-r", first] });
    const [firstId] = await fileIds(seeder);
    const out = join(dir.path, "out");
    const across = await runPeer(b.address, { args: ["-d", firstId, "-o", out] });
    assert.equal(across.code, 0, across.stderr);
    assert.equal(await sha256File(join(out, "first.bin")), await sha256File(first));

    // Redis comes back empty: both replicas write their peers back.
    await redis.kill();
    await redis.restart();
    for (const replica of two.replicas) await replica.stderr.waitFor(/resynced with Redis/);
    const second = join(dir.path, "second.bin");
    await writeRandomFile(second, 5 * MIB, { seed: 42 });
    await using other = await startPeer(b.address, { args: ["-r", second] });
    const [secondId] = await fileIds(other);
    const again = join(dir.path, "again");
    const result = await runPeer(a.address, { args: ["-d", secondId, "-o", again] });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await sha256File(join(again, "second.bin")), await sha256File(second));
    // A replica started now learns both files from Redis alone.
    await using third = await startServer({ args: ["--redis", redis.url] });
    await third.stderr.waitFor(/replica \S+ on Redis at .*: 2 peer\(s\) of other replicas loaded/);
    const late = join(dir.path, "late");
    const fromThird = await runPeer(third.address, {
      args: ["-d", firstId, "-d", secondId, "-o", late],
    });
    assert.equal(fromThird.code, 0, fromThird.stderr);
    assert.equal(await sha256File(join(late, "first.bin")), await sha256File(first));
    assert.equal(await sha256File(join(late, "second.bin")), await sha256File(second));
  },
});

Deno.test({
  name: "a replica killed mid-download: its peers fail over to the other and the download ends",
  ignore,
  async fn() {
    await using dir = await tempDir("p2pft-replicas-");
    await using redis = await startRedis();
    await using two = await twoReplicas(redis);
    const path = join(dir.path, "slow.bin");
    // Six chunks (of the chunk size of files under 256 MiB), one each 300 ms.
    await writeRandomFile(path, 6 * MIN_CHUNK_SIZE, { seed: 43 });
    await using rogue = startRogue(two.replicas[0].address, { file: path, mode: "slow:300" });
    const [id] = await fileIds(rogue);
    const out = join(dir.path, "out");
    await using downloader = new P2pftProcess(
      peerArgs(two.list, ["-d", id, "-o", out, "--exit-when-done"]),
    );
    const first = await two.of(downloader);
    await rogue.stdout.waitFor(/^served chunk/);
    await first.stop("SIGKILL");
    const second = await two.of(downloader, 1);
    assert.notEqual(second, first);
    await downloader.stderr.waitFor(
      new RegExp(`connected to server ${second.address};.*sharing 1`),
    );
    const exit = await downloader.exit(30_000);
    assert.equal(exit.code, 0, downloader.describe());
    assert.equal(await sha256File(join(out, "slow.bin")), await sha256File(path));
  },
});

Deno.test({
  name: "a have told to one replica reaches a downloader registered with another",
  ignore,
  async fn() {
    await using redis = await startRedis();
    const stack = new AsyncDisposableStack();
    try {
      const credentials = await testCredentials();
      const servers: CentralServer[] = [];
      for (let i = 0; i < 2; i++) {
        const server = await CentralServer.start({
          hostname: "127.0.0.1",
          port: 0,
          credentials,
          relay: false,
        });
        stack.defer(() => server.close());
        const replica = await Replica.start({
          store: server.store,
          url: redis.url,
          timeoutMs: 15_000,
        });
        stack.defer(() => replica.close());
        servers.push(server);
      }
      const manifest = {
        name: "partly.bin",
        size: 12,
        chunkSize: 4,
        chunkHashes: ["a".repeat(64), "b".repeat(64), "c".repeat(64)],
      };
      const fileId = await computeFileId(manifest);
      const partly = (index: number): SharedFileEntry => {
        const chunks = new Bitfield(3);
        chunks.set(index);
        return { fileId, manifest, chunks: chunks.toBase64() };
      };
      const notices: ServerToPeer[] = [];
      const links = [
        { server: servers[0], entry: partly(0), onNotice: (n: ServerToPeer) => notices.push(n) },
        { server: servers[1], entry: partly(1), onNotice: () => {} },
      ];
      const started: ServerLink[] = [];
      for (const { server, entry, onNotice } of links) {
        const link = new ServerLink({
          server: { host: "127.0.0.1", port: server.port },
          credentials: await testCredentials(),
          listenPort: 1,
          shares: () => [entry],
          onNotice,
        });
        stack.defer(() => link.close());
        link.start();
        await link.waitConnected(5_000);
        started.push(link);
      }
      const deadline = Date.now() + 10_000;
      while (servers[1].store.downloaders(fileId, "").length < 2) {
        assert.ok(Date.now() < deadline, "both downloaders known to the second replica");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      started[1].notify({ t: "have", fileId, chunks: [2] });
      while (!notices.some((notice) => notice.t === "have")) {
        assert.ok(Date.now() < deadline, "the have reached the other replica's downloader");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const have = notices.find((notice) => notice.t === "have")!;
      assert.deepEqual(have.t === "have" && have.chunks, [2]);
    } finally {
      await stack.disposeAsync();
    }
  },
});

Deno.test("a server given a Redis that is not there exits and says what to do", async () => {
  const url = `redis://127.0.0.1:${freePort()}`;
  const result = await runP2pft(["server", "--addr", "127.0.0.1:0", "--redis", url]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /cannot reach Redis at .*start redis-server there/);
  assert.doesNotMatch(result.stderr, /lost Redis/);
});
