import assert from "node:assert/strict";
import { join } from "node:path";
import { CentralServer } from "../server/server.ts";
import { TEST_NETWORK_KEY, testCredentials } from "../test_credentials.ts";
import { tempDir } from "../test_dir.ts";
import { PeerNode } from "./peer.ts";
import type { PeerOptions } from "./peer_options.ts";

const SIZE = 300_000;
const CONNECT_MS = 5_000;

async function startServer(): Promise<CentralServer> {
  return await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
  });
}

function startPeer(server: CentralServer, options: Partial<PeerOptions> = {}): Promise<PeerNode> {
  return PeerNode.start({
    hostname: "127.0.0.1",
    port: 0,
    server: { host: "127.0.0.1", port: server.port },
    networkKey: TEST_NETWORK_KEY,
    ...options,
  });
}

Deno.test("a peer shares a file that another downloads, then shares in turn", async () => {
  await using dir = await tempDir();
  const bytes = Uint8Array.from({ length: SIZE }, (_, i) => (i * 31) % 251);
  const path = join(dir.path, "shared.bin");
  await Deno.writeFile(path, bytes);
  const server = await startServer();
  const seeder = await startPeer(server);
  const leecher = await startPeer(server);
  try {
    await seeder.waitConnected(CONNECT_MS);
    await leecher.waitConnected(CONNECT_MS);
    const registered = await seeder.register(path);
    assert.equal(registered.path, path);
    assert.deepEqual(seeder.shared().map((file) => file.fileId), [registered.fileId]);

    const found = await leecher.lookup(registered.fileId.slice(0, 8));
    assert.deepEqual(found.sources.map((source) => source.peerId), [seeder.peerId]);
    const download = await leecher.download(registered.fileId, join(dir.path, "out"));
    assert.equal(await leecher.download(registered.fileId, dir.path), download, "one at a time");
    const result = await download.done;
    assert.deepEqual(await Deno.readFile(result.path), bytes);
    assert.equal(seeder.uploadedBytes, SIZE);
    assert.equal(seeder.uploadsServed, 1);
    await assert.rejects(leecher.cancelDownload(download.progress().id), /already done/);
    await assert.rejects(leecher.cancelDownload(99), /no download number 99/);

    const status = leecher.status();
    assert.deepEqual([status.downloadsRunning, status.connected, status.lan], [0, true, false]);
    await waitFor(() => leecher.status().shared === 1, "the download to be shared");
    const files = await leecher.networkFiles();
    await waitFor(() => server.files()[0]?.sources === 2, "the server to know both sources");
    assert.deepEqual(files.entries.map((file) => file.name), ["shared.bin"]);
    assert.equal(files.cut, 0);
    assert.equal((await leecher.networkPeers()).entries.length, 2);
  } finally {
    await leecher.close();
    await seeder.close();
    await server.close();
  }
});

Deno.test("with a data folder a peer keeps its identity, network key and shares, but not what changed", async () => {
  await using dir = await tempDir();
  const kept = join(dir.path, "kept.bin");
  const changed = join(dir.path, "changed.bin");
  await Deno.writeFile(kept, new Uint8Array([1, 2, 3]));
  await Deno.writeFile(changed, new Uint8Array([4, 5, 6]));
  const server = await startServer();
  const dataDir = join(dir.path, "state");
  try {
    const first = await startPeer(server, { dataDir });
    await first.register(kept);
    await first.register(changed);
    const peerId = first.peerId;
    await first.close();

    await Deno.writeFile(changed, new Uint8Array([7, 8, 9, 10]));
    const again = await startPeer(server, { dataDir, networkKey: undefined });
    try {
      assert.equal(again.peerId, peerId);
      await again.waitConnected(CONNECT_MS); // with the key remembered from the first run
      assert.equal(again.dataDir, dataDir);
      const shared = again.shared().map((file) => [file.path, file.manifest.size]);
      assert.deepEqual(
        shared.toSorted(),
        [[changed, 4], [kept, 3]],
        "the changed file is hashed again",
      );
    } finally {
      await again.close();
    }
  } finally {
    await server.close();
  }
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + CONNECT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
