import assert from "node:assert/strict";
import { manifestSchema } from "../src/protocol/messages.ts";
import { computeFileId } from "../src/storage/manifest.ts";
import {
  FILES_PER_PEER,
  heartbeatBatches,
  heartbeatTurn,
  parseLoadEvent,
  quantile,
  simulatedManifest,
  splitPeers,
} from "./bench_index_plan.ts";

Deno.test("simulated files are valid manifests with IDs of their own", async () => {
  const ids = new Set<string>();
  for (let peer = 0; peer < 50; peer++) {
    for (let file = 0; file < FILES_PER_PEER; file++) {
      const manifest = simulatedManifest(peer, file);
      manifestSchema.parse(manifest);
      ids.add(await computeFileId(manifest));
    }
  }
  assert.equal(ids.size, 50 * FILES_PER_PEER);
});

Deno.test("peers are split evenly over the load processes", () => {
  assert.deepEqual(splitPeers(10, 3), [
    { first: 0, count: 4 },
    { first: 4, count: 3 },
    { first: 7, count: 3 },
  ]);
  assert.deepEqual(splitPeers(2, 4), [{ first: 0, count: 1 }, { first: 1, count: 1 }]);
});

Deno.test("each peer heartbeats once per interval, spread over the ticks, also while peers join", () => {
  const seen = new Array(1_000).fill(0);
  for (let tick = 0; tick < 50; tick++) {
    const turn = heartbeatTurn(tick, { count: 1_000, tickMs: 100, heartbeatMs: 5_000 });
    assert.ok(turn.length <= 20);
    for (const i of turn) seen[i]++;
  }
  assert.ok(seen.every((count) => count === 1));
  const last = new Array(1_000).fill(-1);
  for (let tick = 0; tick < 200; tick++) {
    const count = Math.min(1_000, tick * 10);
    for (const i of heartbeatTurn(tick, { count, tickMs: 100, heartbeatMs: 5_000 })) {
      assert.ok(
        last[i] === -1 || tick - last[i] === 50,
        `peer ${i} waited ${tick - last[i]} ticks`,
      );
      last[i] = tick;
    }
  }
});

Deno.test("a day of heartbeats goes in batches the request rate allows", () => {
  const batches = heartbeatBatches(17_280, { perSecond: 450, burst: 1_000 });
  assert.equal(batches[0], 1_000);
  assert.ok(batches.slice(1).every((size) => size <= 450));
  assert.equal(batches.reduce((sum, size) => sum + size, 0), 17_280);
  assert.deepEqual(heartbeatBatches(0, { perSecond: 1, burst: 1 }), []);
});

Deno.test("quantiles by nearest rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(quantile(values, 0.5), 50);
  assert.equal(quantile(values, 0.99), 99);
  assert.equal(quantile(values, 1), 100);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

Deno.test("load events are read from JSON lines, other lines ignored", () => {
  assert.deepEqual(parseLoadEvent('{"event":"left","peers":3}'), { event: "left", peers: 3 });
  assert.equal(parseLoadEvent("warning: something"), null);
  assert.equal(parseLoadEvent("{broken"), null);
});
