import assert from "node:assert/strict";
import { fileView, matchesQuery, peerView, RateMeters } from "./views.ts";

Deno.test("fileView says folder or file, and whether this peer holds it", () => {
  const file = { fileId: "ab12", name: "a.bin", size: 5, sources: 2, seeders: 1 };
  assert.deepEqual(fileView(file, new Set(["ab12"])), {
    id: "ab12",
    name: "a.bin",
    size: 5,
    folder: false,
    fileCount: 1,
    sources: 2,
    seeders: 1,
    mine: true,
  });
  const folder = fileView({ ...file, files: 3 }, new Set());
  assert.equal(folder.folder, true);
  assert.equal(folder.fileCount, 3);
  assert.equal(folder.mine, false);
});

Deno.test("matchesQuery takes an ID prefix or a part of the name, any case", () => {
  const file = { fileId: "ab12cd", name: "Holiday Photos" };
  assert.ok(matchesQuery(file, ""));
  assert.ok(matchesQuery(file, "ab1"));
  assert.ok(matchesQuery(file, "photo"));
  assert.ok(!matchesQuery(file, "cd"));
  assert.ok(!matchesQuery(file, "video"));
});

Deno.test("peerView marks this peer and unknown reachability", () => {
  const peer = { peerId: "p1", address: "10.0.0.2:1", files: 4, lastSeenMs: 10 };
  assert.deepEqual(peerView(peer, "p1"), {
    id: "p1",
    address: "10.0.0.2:1",
    files: 4,
    reachable: null,
    lastSeenMs: 10,
    self: true,
  });
});

Deno.test("RateMeters averages over the last seconds and forgets ended downloads", () => {
  let now = 0;
  const meters = new RateMeters(() => now);
  assert.equal(meters.sample(1, 0), 0);
  now = 1_000;
  assert.equal(meters.sample(1, 1_000_000), 1_000_000);
  now = 2_000;
  assert.equal(meters.sample(1, 3_000_000), 1_500_000);
  now = 10_000;
  meters.sample(1, 3_000_000);
  now = 11_000;
  assert.equal(meters.sample(1, 3_000_000), 0, "old samples drop out: it stalled");
  meters.forget(1);
  assert.equal(meters.sample(1, 5), 0, "a forgotten download starts afresh");
});
