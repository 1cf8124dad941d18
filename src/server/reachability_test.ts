import assert from "node:assert/strict";
import { emptyChunkServer } from "../peer/test_chunk_server.ts";
import { testCredentials } from "../test_credentials.ts";
import { probeReachable } from "./reachability.ts";

Deno.test("the dial-back reaches a peer's chunk port that proves the registering peer's ID", async () => {
  const { server, id: peerId } = await emptyChunkServer();
  try {
    const credentials = await testCredentials();
    const target = { host: "127.0.0.1", port: server.port };
    assert.equal(await probeReachable(target, { credentials, peerId }), true);
    assert.equal(await probeReachable(target, { credentials, peerId: "someone-else" }), false);
    const stranger = await testCredentials({ open: true });
    assert.equal(await probeReachable(target, { credentials: stranger, peerId }), false);
  } finally {
    await server.close();
  }
});

Deno.test("the dial-back fails on a closed port, and on one that never answers in time", async () => {
  const { server, id: peerId } = await emptyChunkServer();
  const port = server.port;
  await server.close();
  const credentials = await testCredentials();
  assert.equal(await probeReachable({ host: "127.0.0.1", port }, { credentials, peerId }), false);
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const started = Date.now();
    const target = { host: "127.0.0.1", port: silent.addr.port };
    assert.equal(await probeReachable(target, { credentials, peerId, timeoutMs: 300 }), false);
    assert.ok(Date.now() - started < 2_000);
  } finally {
    silent.close();
  }
});
