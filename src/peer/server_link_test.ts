import assert from "node:assert/strict";
import { handshake } from "../protocol/connection.ts";
import { withTimeout } from "../protocol/timeouts.ts";
import { ServerLink } from "./server_link.ts";

Deno.test("a link to a server that is not there says so and suggests --server", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const link = new ServerLink({
    server: { host: "127.0.0.1", port },
    peerId: "p",
    listenPort: 1,
    shares: () => [],
  });
  link.start();
  await assert.rejects(
    link.waitConnected(300),
    /cannot reach the server at 127\.0\.0\.1:\d+ .*--server/,
  );
  await assert.rejects(link.request({ t: "files" }), /not connected to the server/);
  assert.equal(link.connected, false);
  await link.close();
});

Deno.test("closing a link whose server is still answering the registration ends at once", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let answer = () => {};
  const registering = Promise.withResolvers<void>();
  const serving = (async () => {
    const connection = await handshake(await listener.accept(), {
      role: "server",
      accept: ["peer"],
    });
    await connection.run(async (message) => {
      if (message.t !== "register") return;
      registering.resolve();
      await new Promise<void>((resolve) => answer = resolve);
      await connection.reply(message.id as number, { address: "127.0.0.1:1" }).catch(() => {});
    });
  })();
  const link = new ServerLink({
    server: { host: "127.0.0.1", port: listener.addr.port },
    peerId: "p",
    listenPort: 1,
    shares: () => [],
  });
  link.start();
  await registering.promise;
  const closing = link.close();
  answer();
  await withTimeout(closing, { ms: 2_000, what: "closing the link" });
  assert.equal(link.connected, false);
  await serving;
  listener.close();
});
