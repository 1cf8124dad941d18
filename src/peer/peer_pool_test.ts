import assert from "node:assert/strict";
import { IdentityMismatchError, UnreachableError } from "../protocol/secure_channel.ts";
import { testCredentials } from "../test_credentials.ts";
import { PeerPool } from "./peer_pool.ts";
import { emptyChunkServer as chunkServer } from "./test_chunk_server.ts";

Deno.test("the pool keeps one connection per peer, and opens a new one once dropped", async () => {
  const { server, id } = await chunkServer();
  const pool = new PeerPool(await testCredentials());
  try {
    const [first, same] = await Promise.all([
      pool.get(server.address, id),
      pool.get(server.address, id),
    ]);
    assert.equal(same, first, "callers asking at once share one attempt");
    assert.equal(first.remoteId, id);
    pool.drop(server.address, id);
    const again = await pool.get(server.address, id);
    assert.notEqual(again, first);
    assert.equal(first.closed, true);
    await pool.close();
    assert.equal(again.closed, true);
  } finally {
    await pool.close();
    await server.close();
  }
});

Deno.test("a peer that is not there fails the connection, and is tried afresh next time", async () => {
  const { server, id } = await chunkServer();
  const address = server.address;
  await server.close();
  const pool = new PeerPool(await testCredentials());
  await assert.rejects(pool.get(address, id), UnreachableError);
  await assert.rejects(pool.get(address, id), UnreachableError, "not a cached failure");
  await pool.close();
});

Deno.test("a listener that is not the announced peer is refused", async () => {
  const { server } = await chunkServer();
  const pool = new PeerPool(await testCredentials());
  const impostorOf = (await testCredentials()).identity.id;
  try {
    await assert.rejects(pool.get(server.address, impostorOf), IdentityMismatchError);
  } finally {
    await pool.close();
    await server.close();
  }
});
