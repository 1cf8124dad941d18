import assert from "node:assert/strict";
import { emptyChunkServer } from "../peer/test_chunk_server.ts";
import { ServerLink } from "../peer/server_link.ts";
import { RemoteError } from "../protocol/connection.ts";
import type { Credentials } from "../protocol/dial.ts";
import { testCredentials } from "../test_credentials.ts";
import { CentralServer } from "./server.ts";

const limits = {
  peerBytesPerSecond: 1 << 20,
  totalBytesPerSecond: 1 << 20,
  links: 1,
  linksPerPeer: 1,
};

Deno.test("the server relays only between two registered peers it cannot dial, named by ID, up to its link cap", async () => {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
    relay: { limits },
  });
  const notices: Record<string, unknown>[] = [];
  const link = (credentials: Credentials, listenPort: number) =>
    new ServerLink({
      server: { host: "127.0.0.1", port: server.port },
      credentials,
      listenPort,
      shares: () => [],
      onNotice: (notice) => notices.push(notice),
    });
  // Port 9 (discard) is closed here: the server cannot dial these two back.
  const [downloaderCredentials, sourceCredentials] = [
    await testCredentials(),
    await testCredentials(),
  ];
  const downloader = link(downloaderCredentials, 9);
  const source = link(sourceCredentials, 9);
  const { server: chunkServer, credentials: reachableCredentials } = await emptyChunkServer();
  const reachable = link(reachableCredentials, chunkServer.port);
  try {
    for (const peer of [downloader, source, reachable]) peer.start();
    for (const peer of [downloader, source, reachable]) await peer.waitConnected(5_000);
    const refused = (peer: ServerLink, peerId: string, code: string) =>
      assert.rejects(
        peer.request({ t: "relay", peerId }),
        (error) => error instanceof RemoteError && error.code === code,
      );
    await refused(downloader, "nobody", "not-found");
    await refused(downloader, "127.0.0.1:22", "not-found");
    await refused(downloader, downloaderCredentials.identity.id, "not-found");
    await refused(downloader, reachableCredentials.identity.id, "reachable");
    await refused(reachable, sourceCredentials.identity.id, "reachable");
    assert.equal(notices.length, 0, "nothing passed on");
    const reply = await downloader.request({ t: "relay", peerId: sourceCredentials.identity.id });
    assert.equal(reply.port, server.relayPort);
    assert.deepEqual(notices, [{
      t: "relay",
      peerId: downloaderCredentials.identity.id,
      token: reply.token,
      port: server.relayPort,
    }]);
    await refused(source, downloaderCredentials.identity.id, "busy");
    assert.equal(notices.length, 1, "a link past the cap is not passed on");
  } finally {
    for (const peer of [downloader, source, reachable]) await peer.close();
    await chunkServer.close();
    await server.close();
  }
});

Deno.test("a server started with no relay refuses to relay", async () => {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
    relay: false,
  });
  const credentials = await testCredentials();
  const peer = new ServerLink({
    server: { host: "127.0.0.1", port: server.port },
    credentials,
    listenPort: 9,
    shares: () => [],
    onNotice: () => {},
  });
  try {
    assert.equal(server.relayPort, undefined);
    peer.start();
    await peer.waitConnected(5_000);
    await assert.rejects(
      peer.request({ t: "relay", peerId: "anyone" }),
      (error) => error instanceof RemoteError && error.code === "relay-off",
    );
  } finally {
    await peer.close();
    await server.close();
  }
});
