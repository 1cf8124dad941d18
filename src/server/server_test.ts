import assert from "node:assert/strict";
import { MAX_FILES_PER_PEER, MAX_LISTING_PAGE } from "../constants.ts";
import { createLogger } from "../log.ts";
import { NetworkLookup } from "../peer/network_lookup.ts";
import { ServerLink } from "../peer/server_link.ts";
import { emptyChunkServer } from "../peer/test_chunk_server.ts";
import type { Credentials } from "../protocol/dial.ts";
import { RemoteError } from "../protocol/connection.ts";
import {
  filesReplySchema,
  parseMessage,
  peersReplySchema,
  type SharedFileEntry,
  sourcesReplySchema,
} from "../protocol/messages.ts";
import { computeFileId } from "../storage/manifest.ts";
import { testCredentials } from "../test_credentials.ts";
import { CentralServer, type ServerOptions } from "./server.ts";

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

/** Files number `first` to `first + count - 1`, small and distinct, with their IDs. */
async function smallFiles(count: number, first = 0): Promise<SharedFileEntry[]> {
  return await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const n = first + i;
      const hash = n.toString(16).padStart(64, "0");
      const manifest = { name: `f${n}.bin`, size: 4, chunkSize: 4, chunkHashes: [hash] };
      return { fileId: await computeFileId(manifest), manifest };
    }),
  );
}

/** A server and one peer registered with it, sharing `shares`; both closed on dispose. */
async function serverAndLink(
  shares: SharedFileEntry[],
  options: Partial<ServerOptions> = {},
) {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
    ...options,
  });
  const link = new ServerLink({
    server: { host: "127.0.0.1", port: server.port },
    credentials: await testCredentials(),
    listenPort: 9,
    shares: () => shares,
  });
  link.start();
  await link.waitConnected(10_000);
  return {
    server,
    link,
    async [Symbol.asyncDispose]() {
      await link.close();
      await server.close();
    },
  };
}

Deno.test("listings come in capped pages with their totals, and a peer fetches every page", async () => {
  const shares = await smallFiles(MAX_LISTING_PAGE + 100);
  await using running = await serverAndLink(shares);
  const { link } = running;
  const first = parseMessage(
    filesReplySchema,
    await link.request({ t: "files", limit: MAX_LISTING_PAGE * 10 }),
  );
  assert.deepEqual([first.files.length, first.total], [MAX_LISTING_PAGE, shares.length]);
  const rest = parseMessage(
    filesReplySchema,
    await link.request({ t: "files", offset: MAX_LISTING_PAGE }),
  );
  assert.deepEqual([rest.files.length, rest.total], [100, shares.length]);
  const peers = parseMessage(peersReplySchema, await link.request({ t: "peers", limit: 1 }));
  assert.deepEqual([peers.peers.length, peers.total], [1, 1]);

  const network = new NetworkLookup({ server: link, discoverTimeoutMs: 0 });
  const listing = await network.files();
  assert.deepEqual([listing.entries.length, listing.cut], [shares.length, 0]);
  assert.deepEqual(
    new Set(listing.entries.map((file) => file.fileId)),
    new Set(shares.map((file) => file.fileId)),
  );
  const sources = parseMessage(
    sourcesReplySchema,
    await link.request({ t: "sources", fileId: shares[0].fileId }),
  );
  assert.deepEqual([sources.sources.length, sources.total], [1, 1]);
  assert.equal((await network.lookup(shares[0].fileId)).total, 1);

  const named = parseMessage(
    filesReplySchema,
    await link.request({ t: "files", namePrefix: "f12", limit: 3 }),
  );
  assert.deepEqual(named.files.map((file) => file.name), ["f12.bin", "f120.bin", "f121.bin"]);
  assert.equal(named.total, 11, "f12 and f120 to f129");
  const id = shares[0].fileId.slice(0, 6);
  const byId = parseMessage(filesReplySchema, await link.request({ t: "files", idPrefix: id }));
  assert.ok(byId.files.every((file) => file.fileId.startsWith(id)) && byId.total >= 1);
  const completion = await network.matchingFiles("f59", 10);
  assert.deepEqual(completion.map((file) => file.name).sort(), [
    "f59.bin",
    "f590.bin",
    "f591.bin",
    "f592.bin",
    "f593.bin",
    "f594.bin",
    "f595.bin",
    "f596.bin",
    "f597.bin",
    "f598.bin",
  ]);
});

Deno.test("shares past MAX_FILES_PER_PEER are refused with what to do; the rest stays indexed", async () => {
  const shares = await smallFiles(MAX_FILES_PER_PEER + 1);
  await using running = await serverAndLink(shares);
  const { server, link } = running;
  assert.equal(link.connected, true, "a share over the cap does not make the peer reconnect");
  assert.equal(server.status().files, MAX_FILES_PER_PEER);
  const [extra] = await smallFiles(1, shares.length);
  await assert.rejects(
    link.request({ t: "share", files: [extra] }),
    (error) =>
      error instanceof RemoteError && error.code === "over-limit" &&
      /at most 10000 files per peer .*share fewer files per peer/.test(error.message),
  );
  assert.equal(server.status().files, MAX_FILES_PER_PEER);
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

Deno.test("the server dials each registering peer back and flags the unreachable ones in sources", async () => {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
  });
  const [file] = await smallFiles(1);
  const { server: chunkServer, credentials: reachableCredentials } = await emptyChunkServer();
  const link = (credentials: Credentials, listenPort: number) =>
    new ServerLink({
      server: { host: "127.0.0.1", port: server.port },
      credentials,
      listenPort,
      shares: () => [file],
    });
  const reachable = link(reachableCredentials, chunkServer.port);
  const hidden = link(await testCredentials(), 9);
  try {
    reachable.start();
    hidden.start();
    await reachable.waitConnected(5_000);
    await hidden.waitConnected(5_000);
    assert.equal(reachable.reachable, true);
    assert.equal(hidden.reachable, false);
    const reply = parseMessage(
      sourcesReplySchema,
      await reachable.request({ t: "sources", fileId: file.fileId }),
    );
    const flags = Object.fromEntries(reply.sources.map((s) => [s.address, s.reachable]));
    assert.deepEqual(flags, { [`127.0.0.1:${chunkServer.port}`]: undefined, "127.0.0.1:9": false });
    const listed = Object.fromEntries(server.peers().map((peer) => [peer.address, peer.reachable]));
    assert.deepEqual(listed, flags, "the peer listing says it too");
  } finally {
    await reachable.close();
    await hidden.close();
    await chunkServer.close();
    await server.close();
  }
});
