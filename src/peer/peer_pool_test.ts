import assert from "node:assert/strict";
import { ChunkServer } from "./chunk_server.ts";
import { Library } from "./library.ts";
import { PeerPool } from "./peer_pool.ts";

Deno.test("the pool keeps one connection per address, and opens a new one once dropped", async () => {
  const server = ChunkServer.start({ hostname: "127.0.0.1", port: 0, library: new Library() });
  const pool = new PeerPool();
  try {
    const [first, same] = await Promise.all([pool.get(server.address), pool.get(server.address)]);
    assert.equal(same, first, "callers asking at once share one attempt");
    pool.drop(server.address);
    const again = await pool.get(server.address);
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
  const server = ChunkServer.start({ hostname: "127.0.0.1", port: 0, library: new Library() });
  const address = server.address;
  await server.close();
  const pool = new PeerPool();
  await assert.rejects(pool.get(address), Deno.errors.ConnectionRefused);
  await assert.rejects(pool.get(address), Deno.errors.ConnectionRefused, "not a cached failure");
  await pool.close();
});
