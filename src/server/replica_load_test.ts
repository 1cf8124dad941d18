import assert from "node:assert/strict";
import { createClient } from "@redis/client";
import { hasRedisServer, startRedis } from "../../scripts/redis_server.ts";
import { silentLogger } from "../log.ts";
import { IndexStore } from "./index_store.ts";
import { RedisLink } from "./redis_link.ts";
import { PeerLoader, readPeers, scanPeerIds } from "./replica_load.ts";
import { replicaKeys } from "./replica_records.ts";

const FILE = "ab".repeat(32);
const GONE = "cd".repeat(32);
const manifest = { name: "a.bin", size: 4, chunkSize: 4, chunkHashes: ["e".repeat(64)] };

Deno.test({
  name: "peers are read back from Redis with their files, those whose manifest is gone left out",
  ignore: !hasRedisServer(),
  async fn() {
    await using redis = await startRedis();
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys = replicaKeys("t:");
      const record = { address: "10.0.0.1:1", reachable: true, replica: "r" };
      await client.set(keys.peer("p1"), JSON.stringify(record));
      await client.hSet(keys.shares("p1"), { [FILE]: "", [GONE]: "" });
      await client.set(keys.manifest(FILE), JSON.stringify(manifest));
      await client.set(keys.peer("p2"), "not a record");
      const ids: string[] = [];
      for await (const batch of scanPeerIds(client, keys)) ids.push(...batch);
      assert.deepEqual(ids.sort(), ["p1", "p2"]);
      const read = await readPeers(client, keys, { peerIds: [...ids, "p3"], now: 5 });
      assert.equal(read.peers, 1);
      assert.deepEqual(read.changes, [
        { type: "peerJoined", peerId: "p1", address: "10.0.0.1:1", reachable: true, at: 5 },
        { type: "shared", peerId: "p1", fileId: FILE, manifest },
      ]);
    } finally {
      client.destroy();
    }
  },
});

Deno.test({
  name: "a loader reads peers asked for again, the local ones left out",
  ignore: !hasRedisServer(),
  async fn() {
    await using redis = await startRedis();
    const keys = replicaKeys("t:");
    const link = await RedisLink.open(redis.url, { channel: "t:changes", onMessage: () => {} });
    try {
      for (const peerId of ["p1", "p2", "mine"]) {
        const record = { address: "10.0.0.1:1", reachable: true, replica: "r" };
        await link.client.set(keys.peer(peerId), JSON.stringify(record));
      }
      const store = new IndexStore({ timeoutMs: 15_000 });
      const loader = new PeerLoader(link, {
        keys,
        store,
        skip: (peerId) => peerId === "mine",
        log: silentLogger(),
      });
      for (const peerId of ["p1", "p2", "gone", "mine"]) loader.reload(peerId);
      for (let tries = 0; !(store.hasPeer("p1") && store.hasPeer("p2")); tries++) {
        assert.ok(tries < 100, "both read again");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(store.hasPeer("mine"), false);
      assert.equal(await loader.loadAll(), 2);
    } finally {
      await link.close();
    }
  },
});
