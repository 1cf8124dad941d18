import assert from "node:assert/strict";
import { MAX_FILES_PER_PEER, MAX_LISTING_PAGE } from "../constants.ts";
import { NetworkLookup } from "../peer/network_lookup.ts";
import { ServerLink } from "../peer/server_link.ts";
import { emptyChunkServer } from "../peer/test_chunk_server.ts";
import type { Credentials } from "../protocol/dial.ts";
import { RemoteError } from "../protocol/connection.ts";
import {
  filesReplySchema,
  lookupReplySchema,
  parseMessage,
  peersReplySchema,
  sourcesReplySchema,
} from "../protocol/messages.ts";
import { testCredentials } from "../test_credentials.ts";
import { CentralServer } from "./server.ts";
import { listingPage } from "./server_requests.ts";
import { serverAndLink, smallFiles } from "./test_server.ts";

Deno.test("a listing page starts at its offset and holds at most MAX_LISTING_PAGE", () => {
  assert.deepEqual(listingPage({}), { offset: 0, limit: MAX_LISTING_PAGE });
  assert.deepEqual(listingPage({ offset: 7, limit: 3 }), { offset: 7, limit: 3 });
  assert.deepEqual(listingPage({ limit: MAX_LISTING_PAGE * 10 }), {
    offset: 0,
    limit: MAX_LISTING_PAGE,
  });
});

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

Deno.test("while a registration's probe runs, a lookup is answered at once and a change waits for the registration", async () => {
  const [file] = await smallFiles(1);
  await using running = await serverAndLink([file]);
  // A chunk port that takes the probe's connection and never answers: the probe runs to its timeout.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of silent) held.push(conn);
  })();
  const newcomer = new ServerLink({
    server: { host: "127.0.0.1", port: running.server.port },
    credentials: await testCredentials(),
    listenPort: silent.addr.port,
    shares: () => [],
  });
  try {
    newcomer.start();
    await newcomer.waitConnected(5_000, { asking: true });
    assert.equal(newcomer.connected, false, "the registration is under way");
    const found = parseMessage(
      lookupReplySchema,
      await newcomer.request({ t: "lookup", query: file.fileId }),
    );
    assert.deepEqual([found.total, newcomer.connected], [1, false], "answered before it");
    await newcomer.request({ t: "unshare", fileId: file.fileId });
    assert.equal(newcomer.connected, true, "the change waited for the registration");
    assert.equal(newcomer.reachable, false);
  } finally {
    await newcomer.close();
    silent.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});
