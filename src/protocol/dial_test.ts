import assert from "node:assert/strict";
import net from "node:net";
import { testCredentials } from "../test_credentials.ts";
import { dial } from "./dial.ts";
import { acceptSecure, listenerCredentials } from "./secure_channel.ts";

Deno.test("a dial's time limit bounds the whole set-up, not each of its steps", async () => {
  const listener = await testCredentials();
  const credentials = listenerCredentials(listener.identity);
  const sockets: net.Socket[] = [];
  // Slow to answer the preamble, then TLS, then never a hello.
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    setTimeout(() => {
      acceptSecure(socket, { credentials, role: "server", timeoutMs: 5_000 }).catch(() => {});
    }, 1_000);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const started = Date.now();
  await assert.rejects(dial({ host: "127.0.0.1", port }, {
    role: "peer",
    accept: ["server"],
    credentials: await testCredentials(),
    timeoutMs: 1_500,
  }));
  const elapsed = Date.now() - started;
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(elapsed < 2_100, `the dial gave up after ${elapsed} ms, not about 1500`);
});
