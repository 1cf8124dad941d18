import assert from "node:assert/strict";
import net from "node:net";
import { silentLogger } from "../log.ts";
import { Relay, relayToken } from "./relay.ts";

const limits = {
  peerBytesPerSecond: 1 << 20,
  totalBytesPerSecond: 1 << 20,
  links: 1,
  linksPerPeer: 1,
};

/** A connection to the relay that sends `token` first; resolves once connected. */
async function half(relay: Relay, token: string, localAddress = "127.0.0.1"): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port: relay.port, localAddress });
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(token);
  return socket;
}

function received(socket: net.Socket, bytes: number): Promise<string> {
  let text = "";
  return new Promise((resolve) => {
    socket.on("data", (data: Buffer) => {
      text += data.toString();
      if (text.length >= bytes) resolve(text);
    });
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

Deno.test("the relay joins the two halves that present one token and no third; other tokens are cut", async () => {
  const relay = await Relay.open({ host: "127.0.0.1", port: 0 }, { limits, log: silentLogger() });
  try {
    const token = relay.issue(["a", "b"])!;
    assert.equal(relay.issue(["c", "d"]), undefined, "one link at most");
    const stranger = await half(relay, "0".repeat(token.length));
    await closed(stranger);
    const a = await half(relay, token);
    a.write("early ");
    const b = await half(relay, token);
    const third = await half(relay, token);
    await closed(third);
    const atB = received(b, "early hello".length);
    a.write("hello");
    assert.equal(await atB, "early hello");
    const atA = received(a, 4);
    b.write("back");
    assert.equal(await atA, "back");
    a.destroy();
    await closed(b);
    for (let tries = 0; relay.links > 0 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(relay.links, 0, "the link is let go");
    assert.notEqual(relay.issue(["c", "d"]), undefined);
  } finally {
    await relay.close();
  }
});

Deno.test("a half the other never joins is cut, and its link let go", async () => {
  const relay = await Relay.open({ host: "127.0.0.1", port: 0 }, {
    limits,
    pairingMs: 50,
    log: silentLogger(),
  });
  try {
    const alone = await half(relay, relay.issue(["a", "b"])!);
    await closed(alone);
    assert.equal(relay.links, 0);
  } finally {
    await relay.close();
  }
});

Deno.test("connections to the relay past four per link it may hold are cut at once", async () => {
  const relay = await Relay.open({ host: "127.0.0.1", port: 0 }, { limits, log: silentLogger() });
  const silent: net.Socket[] = [];
  try {
    for (let i = 0; i < 4; i++) silent.push(await half(relay, "", `127.0.0.${2 + i}`));
    const past = await half(relay, "", "127.0.0.9");
    await closed(past);
    assert.ok(silent.every((socket) => !socket.destroyed && socket.readyState === "open"));
  } finally {
    for (const socket of silent) socket.destroy();
    await relay.close();
  }
});

Deno.test("a spliced link silent for the idle time is closed", async () => {
  const relay = await Relay.open({ host: "127.0.0.1", port: 0 }, {
    limits,
    idleMs: 50,
    log: silentLogger(),
  });
  try {
    const token = relay.issue(["a", "b"])!;
    const [a, b] = [await half(relay, token), await half(relay, token)];
    await Promise.all([closed(a), closed(b)]);
  } finally {
    await relay.close();
  }
});

Deno.test("silent connections from one host past two per link a peer may take are cut at once", async () => {
  const relay = await Relay.open({ host: "127.0.0.1", port: 0 }, {
    limits: { ...limits, links: 8 },
    log: silentLogger(),
  });
  const held: net.Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) held.push(await half(relay, "", "127.0.0.2"));
    await closed(await half(relay, "", "127.0.0.2"));
    const token = relay.issue(["a", "b"])!;
    const [a, b] = [await half(relay, token), await half(relay, token)];
    held.push(a, b);
    const atB = received(b, 2);
    a.write("ok");
    assert.equal(await atB, "ok", "another host's link still joins");
    assert.ok(held.every((socket) => !socket.destroyed));
  } finally {
    for (const socket of held) socket.destroy();
    await relay.close();
  }
});

Deno.test("the relay expects only well-formed tokens it does not expect already", async () => {
  const relay = await Relay.open({ host: "127.0.0.1", port: 0 }, {
    limits: { ...limits, links: 4, linksPerPeer: 4 },
    log: silentLogger(),
  });
  try {
    const token = relayToken();
    assert.equal(relay.expect("abc", ["a", "b"]), false);
    assert.equal(relay.expect(token, ["a", "b"]), true);
    assert.equal(relay.expect(token, ["c", "d"]), false, "one link per token");
    assert.equal(relay.links, 1);
  } finally {
    await relay.close();
  }
});
