import assert from "node:assert/strict";
import { PROTOCOL_VERSION } from "../constants.ts";
import { ConnectionClosedError } from "./connection.ts";
import { encodeControlFrame } from "./frame.ts";
import {
  guestProblem,
  handshake,
  helloProblem,
  MembershipError,
  networkProblem,
  versionProblem,
} from "./handshake.ts";
import { MAX_HANDSHAKE_FRAME_BYTES } from "./constants.ts";
import { a, b, connected, link, side, socketPair } from "./test_pair.ts";

Deno.test("a handshake exchanges hellos and proofs, and knows who is at the other end", async () => {
  const [peer, server] = await connected();
  assert.equal(peer.remoteId, b.identity.id);
  assert.equal(server.remoteId, a.identity.id);
  assert.equal(server.remoteHello.network, "members");
  assert.equal(peer.remoteHello.role, "server");
  assert.equal(server.remoteHello.role, "peer");
  assert.equal(server.remoteHello.version, PROTOCOL_VERSION);
  peer.close();
  server.close();
});

Deno.test("helloProblem explains version, protocol and role mismatches", () => {
  const hello = {
    t: "hello" as const,
    protocol: "p2pft",
    version: PROTOCOL_VERSION,
    role: "peer" as const,
    nonce: "AAAAAAAAAAAAAAAAAAAAAA==",
    network: "members" as const,
  };
  assert.equal(helloProblem(hello, ["peer"]), undefined);
  assert.match(
    helloProblem({ ...hello, version: 99 }, ["peer"])!,
    /version mismatch: other side speaks v99/,
  );
  assert.match(
    helloProblem({ ...hello, protocol: "bittorrent" }, ["peer"])!,
    /speaks "bittorrent"/,
  );
  assert.match(helloProblem(hello, ["server"])!, /expected a server, but the other side is a peer/);
});

Deno.test("a version mismatch is refused with a clear error sent to the other side", async () => {
  const [x, y] = await socketPair();
  const hello = {
    t: "hello",
    protocol: "p2pft",
    version: PROTOCOL_VERSION + 1,
    role: "peer",
  };
  await x.write(encodeControlFrame(hello));
  await assert.rejects(handshake(link(y, "a"), side("b")), /protocol version mismatch/);
  const reply = new Uint8Array(4096);
  let text = "";
  for (let count = await x.read(reply); count !== null; count = await x.read(reply)) {
    text += new TextDecoder().decode(reply.subarray(0, count));
  }
  assert.match(text, /"code":"handshake".*version mismatch/);
  x.close();
});

Deno.test("a silent other side fails the handshake after the time allowed", async () => {
  const [x, y] = await socketPair();
  const started = Date.now();
  await assert.rejects(
    handshake(link(y, "a"), side("b", { timeoutMs: 200 })),
    /no handshake within the time allowed/,
  );
  assert.ok(Date.now() - started >= 190);
  x.close();
});

Deno.test("a side that hangs up before its hello fails the handshake as a closed connection", async () => {
  const [x, y] = await socketPair();
  x.close();
  await assert.rejects(
    handshake(link(y, "a"), side("b")),
    (error) => error instanceof ConnectionClosedError && /during the handshake/.test(error.message),
  );
});

Deno.test("networkProblem says which side needs the key", () => {
  assert.equal(networkProblem(true, { theirs: "members", remote: "x:1" }), undefined);
  assert.equal(networkProblem(false, { theirs: "open", remote: "x:1" }), undefined);
  assert.match(
    networkProblem(true, { theirs: "open", remote: "x:1" })!,
    /x:1 runs an open network/,
  );
  assert.match(
    networkProblem(false, { theirs: "members", remote: "x:1" })!,
    /x:1 requires a network key: pass it with --key/,
  );
});

Deno.test("another version's hello is refused for its version, whatever fields it has", () => {
  assert.match(
    versionProblem({ t: "hello", protocol: "p2pft", version: PROTOCOL_VERSION + 1 })!,
    new RegExp(`other side speaks v${PROTOCOL_VERSION + 1}`),
  );
  assert.match(versionProblem({ t: "hello", protocol: "bt" })!, /speaks "bt"/);
  assert.equal(
    versionProblem({ t: "hello", protocol: "p2pft", version: PROTOCOL_VERSION }),
    undefined,
  );
  assert.equal(versionProblem(null), undefined);
});

Deno.test("a dialer with a transfer code is let in by a listener that takes codes, unproven", async () => {
  const [x, y] = await socketPair();
  const [guest, host] = await Promise.all([
    handshake(link(x, "b"), { ...side("a"), networkKey: undefined, code: true }),
    handshake(link(y, "a"), { ...side("b"), guests: true }),
  ]);
  assert.equal(host.remoteHello.network, "code");
  assert.equal(host.remoteId, a.identity.id, "the guest's identity is still proven");
  assert.ok(host.localHello && guest.localHello, "each side keeps its own hello (its nonce)");
  assert.notEqual(host.localHello.nonce, guest.localHello.nonce);
  // Until its code is proven, a guest may send only handshake-sized frames.
  const sent = guest.send({ t: "x", pad: "a".repeat(MAX_HANDSHAKE_FRAME_BYTES) });
  await assert.rejects(host.run(() => {}), /too (large|long)|limit|exceeds/);
  await sent.catch(() => {});
  guest.close();
});

Deno.test("a dialer with a transfer code is refused by a listener that takes none", async () => {
  const [x, y] = await socketPair();
  const [guest, host] = await Promise.allSettled([
    handshake(link(x, "b"), { ...side("a"), networkKey: undefined, code: true }),
    handshake(link(y, "a"), side("b")),
  ]);
  assert.equal(host.status, "rejected");
  assert.ok(host.reason instanceof MembershipError);
  assert.equal(guest.status, "rejected");
  assert.match(String(guest.reason), /takes no transfer codes: give p2pft get only the code/);
});

Deno.test("guestProblem: a code holder only dials, and only to a port that takes codes", () => {
  assert.equal(guestProblem({ dialer: false, guests: true }), undefined);
  assert.match(guestProblem({ dialer: false, guests: false })!, /takes no transfer codes/);
  assert.match(guestProblem({ dialer: true, guests: true })!, /only dials/);
});
