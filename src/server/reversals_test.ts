import assert from "node:assert/strict";
import { emptyChunkServer } from "../peer/test_chunk_server.ts";
import { noticeLinks } from "../peer/test_server_link.ts";
import { RemoteError } from "../protocol/connection.ts";
import { testCredentials } from "../test_credentials.ts";
import { CentralServer } from "./server.ts";

Deno.test("the server passes a reversal request on to the source, with the requester's address, at a bounded rate", async () => {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
  });
  const { server: chunkServer, credentials: downloaderCredentials } = await emptyChunkServer();
  const { link, notices } = noticeLinks(server.port);
  const downloader = link(downloaderCredentials, chunkServer.port);
  const sourceCredentials = await testCredentials();
  const source = link(sourceCredentials, 9);
  try {
    downloader.start();
    source.start();
    await downloader.waitConnected(5_000);
    await source.waitConnected(5_000);
    const sourceId = sourceCredentials.identity.id;
    await downloader.request({ t: "reverse", peerId: sourceId });
    await assert.rejects(
      source.request({ t: "reverse", peerId: downloaderCredentials.identity.id }),
      (error) => error instanceof RemoteError && error.code === "unreachable",
    );
    await assert.rejects(
      downloader.request({ t: "reverse", peerId: "nobody" }),
      (error) => error instanceof RemoteError && error.code === "not-found",
    );
    const codes = await Promise.all(
      Array.from({ length: 30 }, () =>
        downloader.request({ t: "reverse", peerId: sourceId }).then(
          () => "ok",
          (error) => error.code,
        )),
    );
    assert.ok(codes.includes("rate-limited"), codes.join(" "));
    assert.deepEqual(notices[0], {
      t: "reverse",
      peerId: downloaderCredentials.identity.id,
      address: `127.0.0.1:${chunkServer.port}`,
    });
    assert.ok(notices.length <= 20, `${notices.length} requests passed on`);
  } finally {
    await downloader.close();
    await source.close();
    await chunkServer.close();
    await server.close();
  }
});
