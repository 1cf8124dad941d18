import assert from "node:assert/strict";
import { mergeSources } from "./peer.ts";

Deno.test("sources from the server and the LAN merge, each peer once", () => {
  const merged = mergeSources([
    [{ peerId: "a", address: "10.0.0.1:1" }, {
      peerId: "b",
      address: "10.0.0.2:2",
      chunks: "gA==",
    }],
    [{ peerId: "b", address: "10.0.0.2:2" }, { peerId: "c", address: "10.0.0.3:3" }],
  ]);
  assert.deepEqual(merged.map((s) => s.peerId), ["a", "b", "c"]);
  assert.equal(merged[1].chunks, "gA==", "the first entry for a peer wins");
  assert.deepEqual(mergeSources([]), []);
});
