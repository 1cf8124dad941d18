import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import net from "node:net";
import type tls from "node:tls";
import { createIdentity, type Identity } from "../security/identity.ts";
import { generateNetworkKey, parseNetworkKey } from "../security/network_key.ts";
import { silentLogger } from "../log.ts";
import { PROTOCOL_VERSION } from "../constants.ts";
import { Acceptor, listenTcp } from "./acceptor.ts";
import { MembershipError } from "./handshake.ts";
import type { Connection } from "./connection.ts";
import { dial } from "./dial.ts";
import { encodeControlFrame } from "./frame.ts";
import { IdentityMismatchError, secured } from "./secure_channel.ts";
import { encodePreamble } from "./preamble.ts";

const serverIdentity = await createIdentity();
const peerIdentity = await createIdentity();
const key = parseNetworkKey(generateNetworkKey());

/** A listener that answers `ping` requests, closed at the end of the test. */
async function startListener(options: { identity?: Identity; networkKey?: Uint8Array }) {
  const listener = await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr");
  const seen: Connection[] = [];
  const refusals: string[] = [];
  const log = { ...silentLogger(), warn: (line: string) => refusals.push(line) };
  const acceptor = new Acceptor(listener, {
    role: "server",
    accept: ["peer"],
    credentials: { identity: options.identity ?? serverIdentity, networkKey: options.networkKey },
    log,
    onConnection: async (connection) => {
      seen.push(connection);
      await connection.run(async (message) => {
        if (message.t === "ping") await connection.reply(message.id as number, { pong: true });
      });
    },
  });
  return {
    port: listener.addr.port,
    seen,
    refusals,
    [Symbol.asyncDispose]: () => acceptor.close("test over"),
  };
}

function dialPeer(port: number, options: { networkKey?: Uint8Array; expectId?: string } = {}) {
  return dial({ host: "127.0.0.1", port }, {
    role: "peer",
    accept: ["server"],
    credentials: { identity: peerIdentity, networkKey: options.networkKey },
    expectId: options.expectId,
    timeoutMs: 3_000,
  });
}

/** Sends `bytes` on a raw TCP connection and collects what comes back until it closes. */
async function rawExchange(port: number, bytes: Uint8Array): Promise<Uint8Array> {
  const socket = net.connect({ host: "127.0.0.1", port });
  const chunks: Uint8Array[] = [];
  socket.on("data", (data: Uint8Array) => chunks.push(data));
  socket.on("error", () => {});
  socket.write(bytes);
  await new Promise((resolve) => socket.once("close", resolve));
  const all = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

Deno.test("members with the same key talk, and each side learns the other's proven id", async () => {
  await using listener = await startListener({ networkKey: key });
  const connection = await dialPeer(listener.port, {
    networkKey: key,
    expectId: serverIdentity.id,
  });
  const running = connection.run(() => {});
  try {
    assert.deepEqual(connection.remoteId, serverIdentity.id);
    assert.deepEqual(await connection.request({ t: "ping" }), { t: "reply", re: 1, pong: true });
    assert.deepEqual(listener.seen[0].remoteId, peerIdentity.id);
  } finally {
    connection.close();
    await running;
  }
});

Deno.test("a listener that proves another id than the expected one is refused", async () => {
  await using listener = await startListener({ networkKey: key });
  const error = await rejection(
    () => dialPeer(listener.port, { networkKey: key, expectId: peerIdentity.id }),
    IdentityMismatchError,
  );
  assert.deepEqual(error.seen, serverIdentity.id);
});

Deno.test("a wrong network key is refused on both sides with a message that says what to do", async () => {
  await using listener = await startListener({ networkKey: key });
  const other = parseNetworkKey(generateNetworkKey());
  const error = await rejection(
    () => dialPeer(listener.port, { networkKey: other }),
    MembershipError,
  );
  includes(error.message, "network");
  assert.deepEqual(listener.seen.length, 0);
  await waitFor(() => listener.refusals.length > 0);
  includes(listener.refusals[0], "does not hold this network's key");
});

Deno.test("no key against a members-only listener, and a key against an open one, are refused", async () => {
  {
    await using listener = await startListener({ networkKey: key });
    const error = await rejection(() => dialPeer(listener.port), MembershipError);
    includes(error.message, "--key");
  }
  {
    await using listener = await startListener({});
    const error = await rejection(
      () => dialPeer(listener.port, { networkKey: key }),
      MembershipError,
    );
    includes(error.message, "open network");
  }
});

Deno.test("an open listener and an open dialer talk", async () => {
  await using listener = await startListener({});
  const connection = await dialPeer(listener.port);
  const running = connection.run(() => {});
  assert.deepEqual(await connection.request({ t: "ping" }), { t: "reply", re: 1, pong: true });
  connection.close();
  await running;
});

Deno.test("refusals from one address are logged once, then counted", async () => {
  await using listener = await startListener({ networkKey: key });
  const other = parseNetworkKey(generateNetworkKey());
  for (let i = 0; i < 5; i++) {
    await rejection(() => dialPeer(listener.port, { networkKey: other }));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(listener.refusals.length, 1);
});

Deno.test("a v1 program is answered with a v1 hello naming our version, so it reports the mismatch", async () => {
  await using listener = await startListener({ networkKey: key });
  const v1Hello = encodeControlFrame({ t: "hello", protocol: "p2pft", version: 1, role: "peer" });
  const answer = await rawExchange(listener.port, v1Hello);
  const text = new TextDecoder().decode(answer.subarray(5));
  assert.deepEqual(JSON.parse(text).version, PROTOCOL_VERSION);
});

Deno.test("an HTTP client gets a plain-text 400 saying what the port is", async () => {
  await using listener = await startListener({ networkKey: key });
  const answer = new TextDecoder().decode(
    await rawExchange(listener.port, new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n")),
  );
  assert.ok(answer.startsWith("HTTP/1.1 400"));
  includes(answer, "p2pft protocol");
});

Deno.test("bytes sent before the preamble is answered, or garbage, close the connection", async () => {
  await using listener = await startListener({ networkKey: key });
  const early = new Uint8Array(64);
  early.set(encodePreamble());
  assert.deepEqual((await rawExchange(listener.port, early)).length, 0);
  assert.deepEqual(
    (await rawExchange(listener.port, crypto.getRandomValues(new Uint8Array(64)))).length,
    0,
  );
});

Deno.test("fuzzed openings never stop the listener from serving members (bounded)", async () => {
  await using listener = await startListener({ networkKey: key });
  for (let round = 0; round < 40; round++) {
    const bytes = crypto.getRandomValues(new Uint8Array(1 + (round * 37) % 600));
    if (round % 2 === 0) bytes.set(encodePreamble().subarray(0, Math.min(8, bytes.length)));
    const socket = net.connect({ host: "127.0.0.1", port: listener.port });
    socket.on("error", () => {});
    socket.end(bytes);
  }
  const connection = await dialPeer(listener.port, { networkKey: key });
  const running = connection.run(() => {});
  assert.deepEqual(await connection.request({ t: "ping" }), { t: "reply", re: 1, pong: true });
  connection.close();
  await running;
});

Deno.test("what crosses the wire is ciphertext: no JSON, no names, no payload", async () => {
  await using listener = await startListener({ networkKey: key });
  const captured: Uint8Array[] = [];
  const proxy = net.createServer((client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: listener.port });
    client.on("data", (data: Uint8Array) => {
      captured.push(data);
      upstream.write(data);
    });
    upstream.on("data", (data: Uint8Array) => {
      captured.push(data);
      client.write(data);
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => {});
    upstream.on("error", () => {});
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  try {
    const port = (proxy.address() as net.AddressInfo).port;
    const connection = await dialPeer(port, { networkKey: key });
    const running = connection.run(() => {});
    await connection.request({ t: "ping", name: "holiday-photos-secret.jpg" });
    connection.close();
    await running;
    const wire = new TextDecoder("latin1").decode(
      new Uint8Array(captured.flatMap((chunk) => [...chunk])),
    );
    for (const needle of ['"t"', "hello", "holiday-photos-secret", "ping", "nonce"]) {
      assert.ok(!wire.includes(needle), `${needle} crossed the wire in the clear`);
    }
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
  }
});

/** Awaits `work`, which must fail with an instance of `type`; returns the error. */
async function rejection<T extends Error>(
  work: () => Promise<unknown>,
  type: new (...args: never[]) => T = Error as never,
): Promise<T> {
  try {
    await work();
  } catch (error) {
    assert.ok(error instanceof type, `expected a ${type.name}, got ${error}`);
    return error;
  }
  throw new assert.AssertionError({ message: `expected a ${type.name}, but it succeeded` });
}

function includes(text: string, part: string): void {
  assert.ok(
    text.includes(part),
    `${JSON.stringify(text)} does not include ${JSON.stringify(part)}`,
  );
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(condition(), "condition not met within 2 s");
}

Deno.test("the wait for the TLS handshake leaves no listener on the socket it held", async () => {
  const events = ["secure", "error", "close"];
  const socket = new EventEmitter();
  const done = secured(socket as tls.TLSSocket);
  socket.emit("secure");
  await done;
  for (const event of events) assert.equal(socket.listenerCount(event), 0, event);

  const closed = new EventEmitter();
  const failed = secured(closed as tls.TLSSocket);
  closed.emit("close");
  await assert.rejects(failed, /closed during the tls handshake/);
  for (const event of events) assert.equal(closed.listenerCount(event), 0, event);
});
