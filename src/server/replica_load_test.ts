import assert from "node:assert/strict";
import { createClient } from "@redis/client";
import { hasRedisServer, startRedis } from "../../tests/helpers/redis.ts";
import { readPeers, scanPeerIds } from "./replica_load.ts";
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
