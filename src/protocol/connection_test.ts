import assert from "node:assert/strict";
import { PROTOCOL_VERSION } from "../constants.ts";
import {
  type Connection,
  ConnectionClosedError,
  handshake,
  helloProblem,
  RemoteError,
} from "./connection.ts";
import { encodeControlFrame } from "./frame.ts";
import { testCredentials } from "../test_credentials.ts";

const a = await testCredentials();
const b = await testCredentials();

/** Handshake options of side `a` (the dialer) or `b`, on the test network. */
function side(name: "a" | "b", options: { timeoutMs?: number } = {}) {
  const dialer = name === "a";
  return {
    role: dialer ? "peer" as const : "server" as const,
    accept: dialer ? ["server" as const] : ["peer" as const],
    dialer,
    identity: (dialer ? a : b).identity,
    networkKey: a.networkKey,
    ...options,
  };
}

/**
 * `conn` as the secure link it would be: the dialer (a) knows the listener's
 * ID from TLS; the listener (b) learns the dialer's in the handshake.
 */
function link(conn: Deno.TcpConn, of: "a" | "b") {
  return { channel: conn, remoteId: of === "b" ? b.identity.id : undefined };
}

/** A connected pair of loopback TCP sockets. */
async function socketPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await accepted;
  listener.close();
  return [client, server];
}

async function connected(): Promise<[Connection, Connection]> {
  const [x, y] = await socketPair();
  return await Promise.all([
    handshake(link(x, "b"), side("a")),
    handshake(link(y, "a"), side("b")),
  ]);
}

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
    nonce: "AAAAAAAAAAAAAAAAAAAAAA==",
    network: "members",
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

Deno.test("requests are matched to answers that arrive out of order; errors carry their code", async () => {
  const [peer, server] = await connected();
  const serving = server.run(async (message) => {
    const id = message.id as number;
    if (message.t === "slow") {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await server.reply(id, { value: "slow" });
    } else if (message.t === "fast") {
      await server.reply(id, { value: "fast" });
    } else {
      await server.replyError(id, { code: "not-found", message: "no such thing" });
    }
  });
  const running = peer.run(() => {});
  const slow = peer.request({ t: "slow" });
  const fast = peer.request({ t: "fast" });
  assert.equal((await fast).value, "fast");
  assert.equal((await slow).value, "slow");
  await assert.rejects(peer.request({ t: "other" }), (error: Error) => {
    assert.ok(error instanceof RemoteError);
    assert.equal(error.code, "not-found");
    assert.equal(error.message, "no such thing");
    return true;
  });
  peer.close();
  await running;
  await serving;
});

Deno.test("data answers land in the allocated buffer; cancel and close reject pending requests", async () => {
  const [peer, server] = await connected();
  const payload = new Uint8Array([1, 2, 3, 4, 5]);
  const serving = server.run(async (message) => {
    if (message.t !== "get") return;
    const frame = new Uint8Array(9 + payload.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, 1 + 4 + payload.length);
    view.setUint8(4, 2);
    view.setUint32(5, message.id as number);
    frame.set(payload, 9);
    await server.sendRaw(frame);
  });
  const running = peer.run(() => {});
  const target = new Uint8Array(5);
  const data = await peer.requestData({ t: "get" }, (length) => {
    assert.equal(length, 5);
    return target;
  });
  assert.equal(data, target);
  assert.deepEqual([...target], [1, 2, 3, 4, 5]);

  let id = -1;
  const cancelled = peer.requestData({ t: "never" }, () => new Uint8Array(5), {
    onId: (value) => id = value,
  });
  peer.cancel(id, "changed my mind");
  await assert.rejects(cancelled, /changed my mind/);

  const pending = peer.request({ t: "never" });
  server.close();
  await assert.rejects(pending, ConnectionClosedError);
  await running;
  await serving;
  assert.equal(peer.closed, true);
  await assert.rejects(peer.request({ t: "late" }), ConnectionClosedError);
});
