import assert from "node:assert/strict";
import net from "node:net";
import { createLogger } from "../log.ts";
import { testCredentials } from "../test_credentials.ts";
import { Acceptor, listenTcp } from "./acceptor.ts";
import { dial } from "./dial.ts";
import { dialSecure, RefusedError } from "./secure_channel.ts";

Deno.test("an address in use is refused with advice that names the port", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      listenTcp({ host: "127.0.0.1", port: taken.addr.port }, "--addr"),
      new RegExp(`port ${taken.addr.port} \\(127\\.0\\.0\\.1:\\d+\\) is already in use: .* --addr`),
    );
  } finally {
    taken.close();
  }
});

Deno.test("the acceptor serves handshaken connections and logs why others were closed", async () => {
  const lines: string[] = [];
  const log = createLogger("t", { sink: (line) => lines.push(line) });
  const served: string[] = [];
  const acceptor = new Acceptor(await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr"), {
    role: "server",
    accept: ["peer"],
    credentials: await testCredentials(),
    log,
    onConnection: (connection) => {
      served.push(connection.remoteHello.role);
      return Promise.reject(new Error("handler gave up"));
    },
  });
  const port = acceptor.addr.port;
  const good = await dial({ host: "127.0.0.1", port }, {
    role: "peer",
    accept: ["server"],
    credentials: await testCredentials(),
  });
  const bad = net.connect({ host: "127.0.0.1", port });
  bad.on("error", () => {});
  bad.write("GET / HTTP/1.1\r\n\r\n");
  const deadline = Date.now() + 5_000;
  while (lines.length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.deepEqual(served, ["peer"]);
  assert.ok(
    lines.some((line) => /closed connection from .*handler gave up/.test(line)),
    lines.join("\n"),
  );
  assert.ok(
    lines.some((line) => /refused connection from 127\.0\.0\.1: .*plain HTTP request/.test(line)),
    lines.join("\n"),
  );
  good.close();
  bad.destroy();
  await acceptor.close("done");
});

Deno.test("silent connections past the per-address limit are closed soon and logged once", async () => {
  const lines: string[] = [];
  const acceptor = new Acceptor(await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr"), {
    role: "server",
    accept: ["peer"],
    credentials: await testCredentials(),
    log: createLogger("t", { sink: (line) => lines.push(line) }),
    onConnection: () => new Promise(() => {}),
    limits: { total: 100, perAddress: 3 },
  });
  const sockets = Array.from({ length: 6 }, () => {
    const socket = net.connect({ host: "127.0.0.1", port: acceptor.addr.port });
    socket.on("error", () => {});
    return socket;
  });
  try {
    const closed = await Promise.all(sockets.map((socket) =>
      Promise.race([
        new Promise<boolean>((resolve) => socket.once("close", () => resolve(true))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3_000)),
      ])
    ));
    assert.equal(closed.filter((was) => was).length, 3, "the three past the limit are closed");
    assert.equal(lines.filter((line) => /too many connections from your/.test(line)).length, 1);
  } finally {
    for (const socket of sockets) socket.destroy();
    await acceptor.close("done");
  }
});

Deno.test("a dialer past the limit is told why, and the listener keeps serving", async () => {
  const acceptor = new Acceptor(await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr"), {
    role: "server",
    accept: ["peer"],
    credentials: await testCredentials(),
    log: createLogger("t", { sink: () => {} }),
    onConnection: (connection) => connection.run(() => Promise.resolve()),
    limits: { total: 1, perAddress: 10 },
  });
  const target = { host: "127.0.0.1", port: acceptor.addr.port };
  const options = {
    role: "peer" as const,
    accept: ["server" as const],
    credentials: await testCredentials(),
  };
  const first = await dial(target, options);
  try {
    await assert.rejects(
      dial(target, options),
      (error: Error) => {
        assert.ok(error instanceof RefusedError, String(error));
        assert.match(
          error.message,
          /refused the connection: .*limit of 1 connections.*--max-connections/,
        );
        return true;
      },
    );
  } finally {
    first.close();
  }
  const deadline = Date.now() + 5_000;
  while (acceptor.connections > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const again = await dial(target, options);
  again.close();
  await acceptor.close("done");
});

Deno.test("a newcomer has the handshake time for its whole set-up, preamble and TLS included", async () => {
  const acceptor = new Acceptor(await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr"), {
    role: "server",
    accept: ["peer"],
    credentials: await testCredentials(),
    log: createLogger("t", { level: "silent" }),
    onConnection: () => Promise.resolve(),
    handshakeMs: 1_500,
  });
  const started = Date.now();
  // Slow to send its preamble, then TLS, then never a hello.
  const link = await dialSecure({ host: "127.0.0.1", port: acceptor.addr.port }, {
    connect: async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: acceptor.addr.port });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return conn;
    },
  });
  // The listener's hello comes at once; then nothing until it closes.
  const buffer = new Uint8Array(1024);
  while (await link.channel.read(buffer).catch(() => null) !== null);
  const elapsed = Date.now() - started;
  link.channel.close();
  await acceptor.close("done");
  assert.ok(elapsed < 2_100, `the listener closed it after ${elapsed} ms, not about 1500`);
});

Deno.test("connections from one IPv6 /64 share the per-address limit, however many addresses they use", async () => {
  const lines: string[] = [];
  const listener = await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr");
  const acceptor = new Acceptor(listener, {
    role: "server",
    accept: ["peer"],
    credentials: await testCredentials(),
    log: createLogger("t", { sink: (line) => lines.push(line) }),
    onConnection: () => new Promise(() => {}),
    limits: { total: 100, perAddress: 2 },
    handshakeMs: 200,
  });
  // Sockets that claim addresses a stranger picks at will within its /64.
  const sockets = ["2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7::3"].map((address) => {
    const socket = new net.Socket();
    Object.defineProperty(socket, "remoteAddress", { value: address });
    socket.on("error", () => {});
    return socket;
  });
  try {
    for (const socket of sockets) listener.server.emit("connection", socket);
    assert.equal(lines.filter((line) => /too many connections from your/.test(line)).length, 1);
  } finally {
    for (const socket of sockets) socket.destroy();
    await acceptor.close("done");
  }
});
