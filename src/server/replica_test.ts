import assert from "node:assert/strict";
import { createClient } from "@redis/client";
import { Bitfield } from "../storage/bitfield.ts";
import { hasRedisServer, type RedisServer, startRedis } from "../../scripts/redis_server.ts";
import { type IndexChange, IndexStore } from "./index_store.ts";
import { batches, Replica } from "./replica.ts";

const ignore = !hasRedisServer();
const TIMEOUT_MS = 15_000;
const FILE = "abcd" + "0".repeat(60);
const manifest = {
  name: "a.bin",
  size: 10,
  chunkSize: 4,
  chunkHashes: ["c".repeat(64), "d".repeat(64), "e".repeat(64)],
};

/** Resolves once `check` holds; fails after `ms`, naming `what`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A store with a replica on `redis`, and the changes it hears from other replicas. */
async function replicaOn(redis: RedisServer) {
  const store = new IndexStore({ timeoutMs: TIMEOUT_MS });
  const remote: IndexChange[] = [];
  store.onChange((change, origin) => origin === "remote" && remote.push(change));
  const replica = await Replica.start({ store, url: redis.url, timeoutMs: TIMEOUT_MS });
  return { store, replica, remote, [Symbol.asyncDispose]: () => replica.close() };
}

/** Registers `peerId` on `store`, sharing the whole of FILE. */
function sharesFile(store: IndexStore, peerId: string): void {
  store.join(peerId, { address: "10.0.0.1:1", reachable: true, now: Date.now() });
  store.share(peerId, { fileId: FILE, manifest });
}

async function redisKeys(redis: RedisServer): Promise<string[]> {
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return (await client.keys("p2pft:*")).sort();
  } finally {
    client.destroy();
  }
}

Deno.test({
  name: "replicas see each other's peers, files and haves, and a new one loads them",
  ignore,
  async fn() {
    await using redis = await startRedis();
    await using a = await replicaOn(redis);
    await using b = await replicaOn(redis);
    sharesFile(a.store, "p1");
    b.store.join("p2", { address: "10.0.0.2:2", reachable: false, now: Date.now() });
    const held = new Bitfield(3);
    held.set(0);
    b.store.share("p2", { fileId: FILE, manifest, chunks: held });
    await until(() => b.store.hasPeer("p1") && a.store.hasPeer("p2"), "the peers to cross");
    assert.equal(b.store.lookup("abcd").total, 2);
    assert.equal(a.store.reachable("p2"), false);
    b.store.have("p2", { fileId: FILE, chunks: [1] });
    await until(() => a.remote.some((change) => change.type === "have"), "the have to cross");
    assert.deepEqual(a.remote.find((change) => change.type === "have"), {
      type: "have",
      peerId: "p2",
      fileId: FILE,
      chunks: [1],
    });
    assert.deepEqual(await redisKeys(redis), [
      `p2pft:manifest:${FILE}`,
      "p2pft:peer:p1",
      "p2pft:peer:p2",
      "p2pft:shares:p1",
      "p2pft:shares:p2",
    ]);
    await using c = await replicaOn(redis);
    assert.ok(c.store.hasPeer("p1") && c.store.hasPeer("p2"), "loaded at start");
    assert.equal(c.store.sources(FILE).total, 2);
    a.store.leave("p1", "left");
    await until(() => !b.store.hasPeer("p1") && !c.store.hasPeer("p1"), "the leave to cross");
    assert.ok(!(await redisKeys(redis)).includes("p2pft:peer:p1"));
  },
});

Deno.test({
  name: "a replica keeps serving while Redis is away and writes its peers back when it returns",
  ignore,
  async fn() {
    await using redis = await startRedis();
    await using a = await replicaOn(redis);
    await using b = await replicaOn(redis);
    sharesFile(a.store, "p1");
    await until(() => b.store.hasPeer("p1"), "the peer to cross");
    await redis.kill();
    a.store.join("p3", { address: "10.0.0.3:3", reachable: true, now: Date.now() });
    assert.equal(a.store.lookup(FILE).total, 1, "a serves what it holds");
    await redis.restart();
    await until(() => b.store.hasPeer("p3"), "the peer that joined while Redis was away", 15_000);
    const keys = await redisKeys(redis);
    for (const key of ["p2pft:peer:p1", "p2pft:peer:p3", `p2pft:manifest:${FILE}`]) {
      assert.ok(keys.includes(key), `${key} written back: ${keys}`);
    }
  },
});

Deno.test({
  name: "a peer whose record Redis lost is written again at its next refresh",
  ignore,
  async fn() {
    await using redis = await startRedis();
    await using a = await replicaOn(redis);
    sharesFile(a.store, "p1");
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      for (let tries = 0; (await client.keys("p2pft:peer:*")).length === 0; tries++) {
        assert.ok(tries < 100, "the peer written");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await client.flushAll();
      a.store.seen("p1", Date.now());
      for (let tries = 0; (await redisKeys(redis)).length < 3; tries++) {
        assert.ok(tries < 200, `written again: ${await redisKeys(redis)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(await redisKeys(redis), [
        `p2pft:manifest:${FILE}`,
        "p2pft:peer:p1",
        "p2pft:shares:p1",
      ]);
    } finally {
      client.destroy();
    }
  },
});

Deno.test("batches keeps the order and holds at most the size in each run", () => {
  assert.deepEqual(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(batches([1, 2], 2), [[1, 2]]);
  assert.deepEqual(batches([], 2), []);
});

Deno.test({
  name: "peers heard from are renewed and announced to the other replicas, many rounds a refresh",
  ignore,
  async fn() {
    await using redis = await startRedis();
    await using a = await replicaOn(redis);
    await using b = await replicaOn(redis);
    const peers = Array.from({ length: 1_200 }, (_, i) => `p${i}`);
    for (const peerId of peers) {
      a.store.join(peerId, { address: "10.0.0.1:1", reachable: true, now: Date.now() });
    }
    await until(() => peers.every((peerId) => b.store.hasPeer(peerId)), "the peers to cross");
    for (const peerId of peers) a.store.seen(peerId, Date.now());
    const announced = () =>
      new Set(b.remote.filter((change) => change.type === "seen").map((change) => change.peerId));
    await until(() => announced().size === peers.length, "every peer announced alive");
  },
});
