import assert from "node:assert/strict";
import { RECONNECT_MAX_DELAY_MS, RECONNECT_MIN_DELAY_MS } from "../constants.ts";
import { connectWithTimeout, nextBackoff, ServerLink, withTimeout } from "./server_link.ts";

Deno.test("reconnection backs off exponentially up to a cap", () => {
  let delay = 0;
  const delays: number[] = [];
  for (let i = 0; i < 10; i++) delays.push(delay = nextBackoff(delay));
  assert.equal(delays[0], RECONNECT_MIN_DELAY_MS);
  assert.equal(delays[1], RECONNECT_MIN_DELAY_MS * 2);
  assert.equal(delays.at(-1), RECONNECT_MAX_DELAY_MS);
});

Deno.test("timeouts and refused connections fail with clear errors", async () => {
  await assert.rejects(
    withTimeout(new Promise(() => {}), { ms: 10, what: "waiting" }),
    /waiting timed out/,
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  await assert.rejects(
    connectWithTimeout({ host: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
});

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
