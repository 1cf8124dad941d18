import assert from "node:assert/strict";
import { ServerLink } from "../peer/server_link.ts";
import { computeFileId } from "../storage/manifest.ts";
import { testCredentials } from "../test_credentials.ts";
import { CentralServer } from "./server.ts";

Deno.test("the server lists the peers that register, by proven ID and seen address", async () => {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
  });
  const manifest = { name: "a.bin", size: 4, chunkSize: 4, chunkHashes: ["d".repeat(64)] };
  const fileId = await computeFileId(manifest);
  const credentials = await testCredentials();
  const link = new ServerLink({
    server: { host: "127.0.0.1", port: server.port },
    credentials,
    listenPort: 9,
    shares: () => [{ fileId, manifest }],
  });
  try {
    assert.deepEqual(server.peers(), []);
    link.start();
    await link.waitConnected(5_000);
    assert.deepEqual(server.peers().map((peer) => [peer.peerId, peer.address]), [
      [credentials.identity.id, "127.0.0.1:9"],
    ]);
    assert.equal(link.dialAddress, "127.0.0.1:9");
    assert.deepEqual(server.files(), [{ fileId, name: "a.bin", size: 4, sources: 1, seeders: 1 }]);
    const status = server.status();
    assert.deepEqual([status.peers, status.files, status.bytesIndexed], [1, 1, 4]);
    assert.equal(status.address, `127.0.0.1:${server.port}`);
  } finally {
    await link.close();
    await server.close();
  }
});
