import assert from "node:assert/strict";
import { ChunkServer } from "../peer/chunk_server.ts";
import { Library } from "../peer/library.ts";
import { testCredentials } from "../test_credentials.ts";
import { probeReachable } from "./reachability.ts";

async function chunkPort() {
  const credentials = await testCredentials();
  const server = await ChunkServer.start({
    hostname: "127.0.0.1",
    port: 0,
    library: new Library(),
    credentials,
  });
  return { server, peerId: credentials.identity.id };
}

Deno.test("the dial-back reaches a peer's chunk port that proves the registering peer's ID", async () => {
  const { server, peerId } = await chunkPort();
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
  const { server, peerId } = await chunkPort();
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
