import assert from "node:assert/strict";
import { HANDSHAKE_TIMEOUT_MS } from "../constants.ts";
import { PEER_SWEEP_INTERVAL_MS } from "./constants.ts";
import { createLogger } from "../log.ts";
import { ServerLink } from "../peer/server_link.ts";
import { RemoteError } from "../protocol/connection.ts";
import { dial } from "../protocol/dial.ts";
import { computeFileId } from "../storage/manifest.ts";
import { testCredentials } from "../test_credentials.ts";
import { CentralServer } from "./server.ts";
import { serverAndLink } from "./test_server.ts";

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

Deno.test("requests past the rate are answered rate-limited unread, and logged once", async () => {
  const lines: string[] = [];
  await using running = await serverAndLink([], {
    requestRate: { perSecond: 1, burst: 5 },
    log: createLogger("server", { sink: (line) => lines.push(line) }),
  });
  const { link } = running;
  // "register" took one token: four requests pass, the others are refused.
  const answers = await Promise.allSettled(
    Array.from({ length: 10 }, () => link.request({ t: "peers" })),
  );
  const refused = answers.filter((answer) =>
    answer.status === "rejected" && answer.reason instanceof RemoteError &&
    answer.reason.code === "rate-limited" &&
    /wait a moment and ask again/.test(answer.reason.message)
  );
  assert.ok(refused.length >= 5 && refused.length <= 6, `${refused.length} refused`);
  assert.equal(
    answers.filter((answer) => answer.status === "fulfilled").length,
    10 - refused.length,
  );
  link.notify({ t: "heartbeat" });
  await assert.rejects(link.request({ t: "peers" }), RemoteError);
  assert.equal(link.connected, true);
  assert.equal(lines.filter((line) => line.includes("requests a second")).length, 1);
});

Deno.test("a connection that sends no register in time is closed, and logged", async () => {
  const lines: string[] = [];
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
    log: createLogger("server", { sink: (line) => lines.push(line) }),
    relay: false,
  });
  try {
    const started = Date.now();
    const connection = await dial({ host: "127.0.0.1", port: server.port }, {
      role: "peer",
      accept: ["server"],
      credentials: await testCredentials(),
    });
    const giveUp = setTimeout(
      () => connection.close("the test gave up"),
      HANDSHAKE_TIMEOUT_MS + 3 * PEER_SWEEP_INTERVAL_MS,
    );
    await connection.run(() => {}).catch(() => {});
    clearTimeout(giveUp);
    const waited = Date.now() - started;
    assert.ok(
      waited >= HANDSHAKE_TIMEOUT_MS && waited < HANDSHAKE_TIMEOUT_MS + 2 * PEER_SWEEP_INTERVAL_MS,
      `closed after ${waited} ms`,
    );
    assert.ok(lines.some((line) => line.includes('no "register" in time')));
  } finally {
    await server.close();
  }
});
