import assert from "node:assert/strict";
import { createLogger, silentLogger } from "../log.ts";
import { Acceptor, listenTcp } from "../protocol/acceptor.ts";
import type { Connection } from "../protocol/connection.ts";
import { MembershipError } from "../protocol/handshake.ts";
import { withTimeout } from "../protocol/timeouts.ts";
import { testCredentials } from "../test_credentials.ts";
import type { SharedFileEntry } from "../protocol/messages.ts";
import { ServerIdentityError } from "./link_refusal.ts";
import { ServerLink } from "./server_link.ts";

/** A bare server end that hands each handshaken connection to `serve`. */
async function fakeServer(
  serve: (connection: Connection) => Promise<void>,
  options: { open?: boolean } = {},
) {
  const credentials = await testCredentials(options);
  const listener = await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr");
  const acceptor = new Acceptor(listener, {
    role: "server",
    accept: ["peer"],
    credentials,
    log: silentLogger(),
    onConnection: serve,
  });
  return {
    port: listener.addr.port,
    id: credentials.identity.id,
    [Symbol.asyncDispose]: () => acceptor.close("test over"),
  };
}

async function link(
  port: number,
  options: Partial<ConstructorParameters<typeof ServerLink>[0]> = {},
) {
  return new ServerLink({
    server: { host: "127.0.0.1", port },
    credentials: await testCredentials(),
    listenPort: 1,
    shares: () => [],
    ...options,
  });
}

Deno.test("a link to a server that is not there says so and suggests --server", async () => {
  const gone = await fakeServer(async () => {});
  const port = gone.port;
  await gone[Symbol.asyncDispose]();
  const l = await link(port);
  l.start();
  await assert.rejects(
    l.waitConnected(300),
    /cannot reach the server at 127\.0\.0\.1:\d+ .*--server/,
  );
  await assert.rejects(l.request({ t: "files" }), /not connected to the server/);
  assert.equal(l.connected, false);
  await l.close();
});

Deno.test("closing a link whose server is still answering the registration ends at once", async () => {
  let answer = () => {};
  const registering = Promise.withResolvers<void>();
  await using server = await fakeServer(async (connection) => {
    await connection.run(async (message) => {
      if (message.t !== "register") return;
      registering.resolve();
      await new Promise<void>((resolve) => answer = resolve);
      await connection.reply(message.id as number, { address: "127.0.0.1:1" }).catch(() => {});
    });
  });
  const l = await link(server.port);
  l.start();
  await registering.promise;
  const closing = l.close();
  answer();
  await withTimeout(closing, { ms: 2_000, what: "closing the link" });
  assert.equal(l.connected, false);
});

Deno.test("a refused network key stops the link at once, with the reason", async () => {
  await using server = await fakeServer(async () => {}, { open: true });
  const l = await link(server.port);
  l.start();
  await assert.rejects(
    withTimeout(l.waitConnected(5_000), { ms: 2_000, what: "the refusal" }),
    (error) => error instanceof MembershipError && /open network/.test(error.message),
  );
  await l.close();
});

Deno.test("a server identity refused by checkServer stops the link, and it never registers", async () => {
  const registered: string[] = [];
  await using server = await fakeServer(async (connection) => {
    await connection.run((message) => {
      registered.push(String(message.t));
    });
  });
  const seen: string[] = [];
  const l = await link(server.port, {
    checkServer: (address, id) => {
      seen.push(`${address} ${id}`);
      return Promise.reject(new ServerIdentityError("changed"));
    },
  });
  l.start();
  await assert.rejects(l.waitConnected(5_000), ServerIdentityError);
  assert.deepEqual(seen, [`127.0.0.1:${server.port} ${server.id}`]);
  await l.close();
  assert.deepEqual(registered, []);
});

Deno.test("a link whose server is down fails a fail-fast wait early, and says so once, then seldom", async () => {
  const gone = await fakeServer(async () => {});
  const port = gone.port;
  await gone[Symbol.asyncDispose]();
  const lines: string[] = [];
  const l = await link(port, {
    log: createLogger("link", { level: "info", sink: (line) => lines.push(line) }),
  });
  l.start();
  const started = Date.now();
  await assert.rejects(
    l.waitConnected(15_000, { failFastMs: 300 }),
    /cannot reach the server at 127\.0\.0\.1:\d+ .*--server/,
  );
  // Well before the 15 s the wait was given (a loaded machine may take a few seconds).
  assert.ok(Date.now() - started < 8_000, `gave up after ${Date.now() - started} ms`);
  // The first summary line comes about a second after the warning; bounded wait.
  for (let waited = 0; lines.length < 2 && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await l.close();
  assert.match(lines[0], /WARN .*cannot reach the server at 127\.0\.0\.1:\d+ .*; retrying$/);
  assert.ok(
    lines.slice(1).every((line) =>
      /INFO .*still cannot reach the server .* attempts in/.test(line)
    ),
    lines.join("\n"),
  );
  const attempts = Number(lines[1]?.match(/after (\d+) attempts/)?.[1]);
  assert.ok(
    lines.length === 2 && attempts >= 2,
    `one summary line for several attempts, not one per attempt:\n${lines.join("\n")}`,
  );
});

Deno.test("a fail-fast wait still waits for a server that is slow to answer", async () => {
  await using server = await fakeServer(async (connection) => {
    await connection.run(async (message) => {
      if (message.t !== "register") return;
      await new Promise((resolve) => setTimeout(resolve, 600));
      await connection.reply(message.id as number, { address: "127.0.0.1:1" });
    });
  });
  const l = await link(server.port);
  l.start();
  await l.waitConnected(5_000, { failFastMs: 100 });
  assert.equal(l.connected, true);
  await l.close();
});

/** A server that registers peers and records what each shares; `close` drops them all. */
async function recordingServer() {
  const shared: string[] = [];
  const server = await fakeServer(async (connection) => {
    await connection.run(async (message) => {
      if (message.t === "register") {
        await connection.reply(message.id as number, { address: "127.0.0.1:1" });
      } else if (message.t === "share") {
        const files = message.files as { fileId: string }[];
        shared.push(...files.map((file) => file.fileId));
        await connection.reply(message.id as number);
      }
    });
  });
  return { ...server, shared };
}

Deno.test("a link given several servers fails over to another when its own dies, sharing again", async () => {
  const servers = [await recordingServer(), await recordingServer()];
  const entry = { fileId: "ab".repeat(32), manifest: {} } as unknown as SharedFileEntry;
  const l = await link(0, {
    server: servers.map((server) => ({ host: "127.0.0.1", port: server.port })),
    shares: () => [entry],
  });
  try {
    l.start();
    await l.waitConnected(5_000);
    const first = servers.findIndex((server) => l.serverAddress.endsWith(`:${server.port}`));
    assert.notEqual(first, -1, l.serverAddress);
    assert.deepEqual(servers[first].shared, [entry.fileId]);
    await servers[first][Symbol.asyncDispose]();
    const other = servers[1 - first];
    const started = Date.now();
    while (!(l.connected && l.serverAddress.endsWith(`:${other.port}`))) {
      assert.ok(Date.now() - started < 3_000, `still on ${l.serverAddress}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(Date.now() - started < 1_000, `failed over in ${Date.now() - started} ms`);
    assert.deepEqual(other.shared, [entry.fileId]);
  } finally {
    await l.close();
    for (const server of servers) await server[Symbol.asyncDispose]();
  }
});

Deno.test("a link given several servers none of which answers names them all", async () => {
  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const gone = await fakeServer(async () => {});
    ports.push(gone.port);
    await gone[Symbol.asyncDispose]();
  }
  const lines: string[] = [];
  const l = await link(0, {
    server: ports.map((port) => ({ host: "127.0.0.1", port })),
    log: createLogger("link", { level: "info", sink: (line) => lines.push(line) }),
  });
  l.start();
  await assert.rejects(
    l.waitConnected(5_000, { failFastMs: 300 }),
    /cannot reach any of the servers .*--server HOST:PORT,HOST:PORT/,
  );
  await l.close();
  assert.match(lines[0], /cannot reach the server at .*; trying the others of the 2 servers/);
});
