import assert from "node:assert/strict";
import { ServerLink } from "../peer/server_link.ts";
import { computeFileId } from "../storage/manifest.ts";
import { CentralServer, dialAddress } from "./server.ts";

Deno.test("others dial a peer at its own host, or where the server saw it come from", () => {
  assert.equal(dialAddress("10.0.0.7", { listenPort: 8001 }), "10.0.0.7:8001");
  assert.equal(
    dialAddress("10.0.0.7", { listenHost: "0.0.0.0", listenPort: 8001 }),
    "10.0.0.7:8001",
  );
  assert.equal(dialAddress("10.0.0.7", { listenHost: "::", listenPort: 8001 }), "10.0.0.7:8001");
  assert.equal(
    dialAddress("10.0.0.7", { listenHost: "192.168.1.4", listenPort: 8001 }),
    "192.168.1.4:8001",
  );
  assert.equal(dialAddress("::1", { listenPort: 9 }), "[::1]:9");
});

Deno.test("the server lists the peers that register and the files they share", async () => {
  const server = CentralServer.start({ hostname: "127.0.0.1", port: 0 });
  const manifest = { name: "a.bin", size: 4, chunkSize: 4, chunkHashes: ["d".repeat(64)] };
  const fileId = await computeFileId(manifest);
  const link = new ServerLink({
    server: { host: "127.0.0.1", port: server.port },
    peerId: "peer-1",
    listenPort: 9,
    shares: () => [{ fileId, manifest }],
  });
  try {
    assert.deepEqual(server.peers(), []);
    link.start();
    await link.waitConnected(5_000);
    assert.deepEqual(server.peers().map((peer) => [peer.peerId, peer.address]), [
      ["peer-1", "127.0.0.1:9"],
    ]);
    assert.deepEqual(server.files(), [{ fileId, name: "a.bin", size: 4, sources: 1, seeders: 1 }]);
    const status = server.status();
    assert.deepEqual([status.peers, status.files, status.bytesIndexed], [1, 1, 4]);
    assert.equal(status.address, `127.0.0.1:${server.port}`);
  } finally {
    await link.close();
    await server.close();
  }
});
