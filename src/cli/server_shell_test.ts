import assert from "node:assert/strict";
import { serverFileLines, serverPeerLines } from "./server_shell.ts";

Deno.test("the server lists its peers with their last heartbeat, or says there are none", () => {
  assert.deepEqual(serverPeerLines([]), ["no peers connected"]);
  const lines = serverPeerLines([
    { peerId: "0123456789", address: "10.0.0.1:8001", files: 2, lastSeenMs: 2500 },
  ]);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^ADDRESS\s+PEER\s+FILES\s+LAST HEARTBEAT$/);
  assert.match(lines[1], /^10\.0\.0\.1:8001\s+01234567\s+2\s+2\.5 s ago$/);
});

Deno.test("the server lists its files by ID prefix, or says there are none", () => {
  assert.deepEqual(serverFileLines([]), ["no files indexed"]);
  const lines = serverFileLines([
    { fileId: "c".repeat(64), name: "a.bin", size: 1024, sources: 3, seeders: 1 },
    { fileId: "d".repeat(64), name: "album", size: 3072, sources: 1, seeders: 1, files: 12 },
  ]);
  assert.match(lines[1], new RegExp(`^${"c".repeat(12)}\\s+a\\.bin\\s+1\\.0 KiB\\s+3$`));
  assert.match(lines[2], /^d{12}\s+album\/ \(12 files\)\s+3\.0 KiB\s+1$/, "a folder shows as one");
});
