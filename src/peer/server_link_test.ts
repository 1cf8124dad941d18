import assert from "node:assert/strict";
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
