import assert from "node:assert/strict";
import { emptyChunkServer } from "../peer/test_chunk_server.ts";
import { ServerLink } from "../peer/server_link.ts";
import { noticeLinks } from "../peer/test_server_link.ts";
import { RemoteError } from "../protocol/connection.ts";
import type { Credentials } from "../protocol/dial.ts";
import { testCredentials } from "../test_credentials.ts";
import { CentralServer } from "./server.ts";
import { offeredRelay, PeerRelays } from "./relays.ts";
import { Relay } from "../protocol/relay.ts";
import { silentLogger } from "../log.ts";
import { answerRelayLink } from "../peer/relay_offer.ts";
import type { ServerRequest } from "../peer/server_link_options.ts";

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
  const { link, notices } = noticeLinks(server.port);
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

Deno.test("peers' relays are handed out in turn, never to a link one of them takes part in", () => {
  const relays = new PeerRelays();
  relays.offer("r1", "10.0.0.1:8002");
  relays.offer("r2", "10.0.0.2:8002");
  relays.offer("r3", "10.0.0.3:8002");
  const ids = (picked: { peerId: string }[]) => picked.map((offer) => offer.peerId);
  assert.deepEqual(ids(relays.next(["a", "b"], 2)), ["r1", "r2"]);
  assert.deepEqual(ids(relays.next(["a", "b"], 2)), ["r3", "r1"], "the longest unused first");
  assert.deepEqual(ids(relays.next(["r2", "b"], 3)), ["r3", "r1"], "none from the link's peers");
  relays.withdraw("r1");
  assert.equal(relays.size, 2);
  assert.deepEqual(relays.next(["a", "b"], 3).map((offer) => offer.address), [
    "10.0.0.2:8002",
    "10.0.0.3:8002",
  ]);
});

Deno.test("a relay is taken only from a peer the server dialled, at the host it came from, once its port answers", async () => {
  const yes = () => Promise.resolve(true);
  const no = () => Promise.resolve(false);
  const offer = { host: "10.0.0.9", relayPort: 8002, reachable: true };
  assert.equal(await offeredRelay(offer, yes), "10.0.0.9:8002");
  assert.equal(await offeredRelay(offer, no), undefined, "its port does not answer");
  assert.equal(await offeredRelay({ ...offer, reachable: false }, yes), undefined);
  assert.equal(await offeredRelay({ ...offer, relayPort: undefined }, yes), undefined);
});

Deno.test("with its own relay off, the server asks a peer's relay to expect the token and hands out its address; a full one is refused", async () => {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
    relay: false,
  });
  const asked: ServerRequest[] = [];
  const relay = await Relay.open({ host: "127.0.0.1", port: 0 }, { limits, log: silentLogger() });
  const { link: relayingLink, notices } = noticeLinks(server.port, {
    onRequest: (request) => {
      asked.push(request);
      return answerRelayLink(relay, request);
    },
  });
  const link = (credentials: Credentials, listenPort: number, relayPort?: number) =>
    relayingLink(credentials, listenPort, { relayPort });
  const [downloaderCredentials, sourceCredentials, lateCredentials] = [
    await testCredentials(),
    await testCredentials(),
    await testCredentials(),
  ];
  const downloader = link(downloaderCredentials, 9);
  const source = link(sourceCredentials, 9);
  const late = link(lateCredentials, 9);
  const { server: chunkServer, credentials: relayerCredentials } = await emptyChunkServer();
  const relayer = link(relayerCredentials, chunkServer.port, relay.port);
  try {
    for (const peer of [downloader, source, late, relayer]) peer.start();
    for (const peer of [downloader, source, late, relayer]) await peer.waitConnected(5_000);
    assert.equal(relayer.relaying, true, "the server took the offer");
    assert.equal(downloader.relaying, undefined, "no offer, no answer");
    const [downloaderId, sourceId] = [downloaderCredentials, sourceCredentials]
      .map((credentials) => credentials.identity.id);
    const reply = await downloader.request({ t: "relay", peerId: sourceId });
    assert.deepEqual(reply, {
      t: "reply",
      re: reply.re,
      token: reply.token,
      port: relay.port,
      host: "127.0.0.1",
    });
    assert.deepEqual(asked, [{
      t: "relay-link",
      id: asked[0].id,
      token: reply.token,
      peers: [downloaderId, sourceId],
    }]);
    assert.deepEqual(notices, [{
      t: "relay",
      peerId: downloaderId,
      token: reply.token,
      port: relay.port,
      host: "127.0.0.1",
    }]);
    assert.equal(relay.links, 1, "the peer's relay holds the link");
    await assert.rejects(
      late.request({ t: "relay", peerId: sourceId }),
      (error) => error instanceof RemoteError && error.code === "busy",
    );
    assert.equal(notices.length, 1, "nothing passed on past the peer relay's cap");
    await relayer.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(
      late.request({ t: "relay", peerId: sourceId }),
      (error) => error instanceof RemoteError && error.code === "relay-off",
      "a peer that left relays no more",
    );
  } finally {
    for (const peer of [downloader, source, late, relayer]) await peer.close();
    await chunkServer.close();
    await relay.close();
    await server.close();
  }
});

Deno.test("with its own relay full, the server hands out a peer's relay instead", async () => {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
    relay: { limits },
  });
  const relay = await Relay.open({ host: "127.0.0.1", port: 0 }, { limits, log: silentLogger() });
  const link = (credentials: Credentials, listenPort: number, relayPort?: number) =>
    new ServerLink({
      server: { host: "127.0.0.1", port: server.port },
      credentials,
      listenPort,
      relayPort,
      shares: () => [],
      onRequest: (request) => answerRelayLink(relay, request),
    });
  const credentials = await Promise.all([1, 2, 3, 4].map(() => testCredentials()));
  const [a, b, c, d] = credentials.map((each) => link(each, 9));
  const { server: chunkServer, credentials: relayerCredentials } = await emptyChunkServer();
  const relayer = link(relayerCredentials, chunkServer.port, relay.port);
  const all = [a, b, c, d, relayer];
  try {
    for (const peer of all) peer.start();
    for (const peer of all) await peer.waitConnected(5_000);
    const own = await a.request({ t: "relay", peerId: credentials[1].identity.id });
    assert.equal(own.port, server.relayPort);
    assert.equal(own.host, undefined, "the server's own relay first");
    const theirs = await c.request({ t: "relay", peerId: credentials[3].identity.id });
    assert.equal(theirs.port, relay.port);
    assert.equal(theirs.host, "127.0.0.1", "then the peer's");
  } finally {
    for (const peer of all) await peer.close();
    await chunkServer.close();
    await relay.close();
    await server.close();
  }
});
