import assert from "node:assert/strict";
import { parsePeerRecord, parseReplicaMessage, replicaKeys } from "./replica_records.ts";

Deno.test("replica keys live under one prefix", () => {
  const keys = replicaKeys("p2pft:");
  assert.equal(keys.peer("ab"), "p2pft:peer:ab");
  assert.equal(keys.shares("ab"), "p2pft:shares:ab");
  assert.equal(keys.manifest("cd"), "p2pft:manifest:cd");
  assert.equal(keys.channel, "p2pft:changes");
  assert.equal(keys.peerIdOf(keys.peer("ab")), "ab");
  assert.equal(keys.peerPattern, "p2pft:peer:*");
});

Deno.test("a peer record is read back, and anything else is not one", () => {
  const record = { address: "10.0.0.1:9000", reachable: false, replica: "r1" };
  assert.deepEqual(parsePeerRecord(JSON.stringify(record)), record);
  for (const bad of [null, "", "{", JSON.stringify({ address: 1 }), "[]"]) {
    assert.equal(parsePeerRecord(bad), undefined, String(bad));
  }
});

Deno.test("replica messages are changes or seen peers from a replica, nothing else", () => {
  const changes = [{ type: "peerLeft", peerId: "ab", reason: "left" }];
  assert.deepEqual(parseReplicaMessage(JSON.stringify({ from: "r", changes })), {
    from: "r",
    changes,
  });
  assert.deepEqual(parseReplicaMessage(JSON.stringify({ from: "r", seen: ["ab"] })), {
    from: "r",
    seen: ["ab"],
  });
  for (
    const bad of [
      "nope",
      JSON.stringify({ changes }),
      JSON.stringify({ from: "r", changes: [{ type: "explode", peerId: "ab" }] }),
      JSON.stringify({ from: "r", seen: [1] }),
    ]
  ) {
    assert.equal(parseReplicaMessage(bad), undefined, bad);
  }
});
