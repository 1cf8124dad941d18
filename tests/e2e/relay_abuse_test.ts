/**
 * The server's relay under abuse, through a real server process on
 * 127.0.0.1 and members registered in-process (port 9 is closed here, so
 * the server can dial none of them back and relays between them): one
 * member asking for link after link, several at once, requests naming
 * addresses or strangers, a flood of connections to the relay port. The
 * limits hold, nothing reaches an address a peer names, a genuine link
 * still works at its rate, and the server neither falls over nor floods
 * its log.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { Buffer } from "node:buffer";
import { startServer } from "../../scripts/process_harness.ts";
import { MAX_RELAY_LINKS_PER_PEER } from "../../src/constants.ts";
import { RELAY_TOKEN_BYTES } from "../../src/protocol/constants.ts";
import { ServerLink } from "../../src/peer/server_link.ts";
import { parseHostPort } from "../../src/protocol/channel.ts";
import { RemoteError } from "../../src/protocol/connection.ts";
import { generateNetworkKey, parseNetworkKey } from "../../src/security/network_key.ts";
import { testCredentials } from "../../src/test_credentials.ts";
import { createIdentity } from "../../src/security/identity.ts";
import { freePort } from "../helpers/cluster.ts";

const LINKS = 12;
const MIB = 1024 * 1024;

/** A member that cannot be dialled, registered with `server`, and the notices it got. */
async function member(server: string) {
  const credentials = await testCredentials();
  const notices: Record<string, unknown>[] = [];
  const link = new ServerLink({
    server: parseHostPort(server),
    credentials,
    listenPort: 9,
    shares: () => [],
    onNotice: (notice) => notices.push(notice),
  });
  link.start();
  return { link, id: credentials.identity.id, notices };
}

/** What each relay request from `from` to `to` came to: `ok` with its token, or the error's code. */
async function askAll(from: ServerLink, to: string[]): Promise<string[]> {
  return await Promise.all(to.map(async (peerId) => {
    try {
      const reply = await from.request({ t: "relay", peerId });
      return `ok ${reply.token}`;
    } catch (error) {
      return error instanceof RemoteError ? error.code : String(error);
    }
  }));
}

/** A connection to the relay from `localAddress` that sends `first`; resolves once connected. */
async function half(port: number, first: string, localAddress = "127.0.0.1"): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress });
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  if (first !== "") socket.write(first);
  return socket;
}

const count = (codes: string[], code: string) =>
  codes.filter((result) => result.split(" ")[0] === code).length;

Deno.test("relay abuse: links per member and in all are capped, requests name members only, a connection flood holds no slot, and a genuine link still passes at its rate", async () => {
  const relayPort = freePort();
  await using server = await startServer({
    args: ["--relay-links", String(LINKS), "--relay-port", String(relayPort), "--relay-rate", "1"],
  });
  const peers = await Promise.all(Array.from({ length: 24 }, () => member(server.address)));
  const sockets: net.Socket[] = [];
  try {
    for (const peer of peers) await peer.link.waitConnected(10_000);
    const [greedy, ...others] = peers;
    const targets = others.slice(0, 11);

    // One member asks for a link to eleven others: it gets its share, no more.
    const mine = await askAll(greedy.link, targets.map((peer) => peer.id));
    assert.equal(count(mine, "ok"), MAX_RELAY_LINKS_PER_PEER, mine.join(", "));
    assert.equal(count(mine, "busy"), 11 - MAX_RELAY_LINKS_PER_PEER, mine.join(", "));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const told = targets.filter((peer) => peer.notices.length > 0).length;
    assert.equal(told, MAX_RELAY_LINKS_PER_PEER, "only granted links are passed on");

    // Several members at once: the relay holds LINKS in all.
    const pairs = others.slice(11, 23);
    const theirs = (await Promise.all(
      pairs.slice(0, 6).map((peer, i) => askAll(peer.link, [pairs[6 + i].id])),
    )).flat();
    assert.equal(count(theirs, "ok"), LINKS - MAX_RELAY_LINKS_PER_PEER, theirs.join(", "));
    assert.equal(count(theirs, "busy"), 6 - (LINKS - MAX_RELAY_LINKS_PER_PEER));

    // Addresses, unknown IDs and itself are no members: nothing is passed on.
    const stranger = (await createIdentity()).id;
    const named = await askAll(pairs[0].link, [
      "127.0.0.1:22",
      `127.0.0.1:${relayPort}`,
      "10.0.0.1:80",
      stranger,
      pairs[0].id,
    ]);
    assert.deepEqual(named, Array(5).fill("not-found"));

    // A flood of requests past the allowance is refused, not served.
    const flood = await askAll(greedy.link, Array(60).fill(targets[10].id));
    assert.equal(count(flood, "ok"), 0);
    assert.ok(count(flood, "rate-limited") > 0, flood.join(", "));
    assert.equal(count(flood, "busy") + count(flood, "rate-limited"), 60);

    // A machine that is no member of the network cannot even register to ask.
    const outsider = new ServerLink({
      server: parseHostPort(server.address),
      credentials: {
        identity: await createIdentity(),
        networkKey: parseNetworkKey(generateNetworkKey()),
      },
      listenPort: 9,
      shares: () => [],
    });
    outsider.start();
    await assert.rejects(outsider.waitConnected(5_000));
    await outsider.close();

    // Connections to the relay port: silent ones from one host take a bounded share,
    // wrong tokens are cut at once.
    for (let i = 0; i < 40; i++) sockets.push(await half(relayPort, "", "127.0.0.2"));
    for (let i = 0; i < 40; i++) {
      sockets.push(await half(relayPort, "0".repeat(RELAY_TOKEN_BYTES * 2), "127.0.0.3"));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const open = sockets.filter((socket) => !socket.destroyed && socket.readyState === "open");
    assert.ok(open.length <= 2 * MAX_RELAY_LINKS_PER_PEER, `${open.length} held`);

    // A link granted above still joins and passes bytes, at the per-peer rate.
    const token = mine.find((result) => result.startsWith("ok"))!.slice(3);
    const [a, b] = [await half(relayPort, token), await half(relayPort, token)];
    sockets.push(a, b);
    const size = 3 * MIB;
    const started = Date.now();
    const arrived = new Promise<number>((resolve) => {
      let got = 0;
      b.on("data", (data: Buffer) => {
        got += data.length;
        if (got >= size) resolve(Date.now() - started);
      });
    });
    a.write(Buffer.alloc(size, 7));
    const elapsed = await arrived;
    assert.ok(elapsed >= 1_500, `1 MiB/s per peer holds: 3 MiB in ${elapsed} ms`);

    // The server still answers, and logged little beyond the registrations.
    await greedy.link.request({ t: "files" });
    const lines = server.stderr.lines.filter((line) => !/registered at/.test(line));
    assert.ok(lines.length <= 10, `a quiet log:\n${lines.join("\n")}`);
  } finally {
    for (const socket of sockets) socket.destroy();
    for (const peer of peers) await peer.link.close();
  }
});
