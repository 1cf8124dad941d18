import assert from "node:assert/strict";
import { connect } from "../../tests/helpers/raw_http.ts";
import { listenWeb, WEB_LIMITS, type WebLimits } from "./web_listener.ts";

/** A listener on 127.0.0.1 with `limits` whose handler answers `ok`, or never ends `/stall`. */
async function listen(limits: Partial<WebLimits>) {
  const refused: string[] = [];
  const listener = await listenWeb({ hostname: "127.0.0.1", port: 0 }, {
    handler: (request) =>
      new URL(request.url).pathname === "/stall"
        ? new Response(new ReadableStream({ start: (c) => c.enqueue(new Uint8Array(1)) }))
        : new Response("ok"),
    onError: () => new Response("failed", { status: 500 }),
    limits: { ...WEB_LIMITS, ...limits },
    onRefused: (host, reason) => refused.push(`${host}: ${reason}`),
  });
  return {
    port: listener.addr.port,
    refused,
    [Symbol.asyncDispose]: () => listener.close(0),
  };
}

Deno.test("an address past its limit is refused with a 503 that says why; others are served", async () => {
  await using web = await listen({ total: 10, perAddress: 2 });
  const held = [await connect(web.port, "127.0.0.2"), await connect(web.port, "127.0.0.2")];
  const third = await connect(web.port, "127.0.0.2");
  await third.closed;
  assert.match(third.received(), /^HTTP\/1.1 503 /);
  assert.match(third.received(), /too many connections from your address \(the limit is 2\)/);
  assert.deepEqual(web.refused, [
    "127.0.0.2: too many connections from your address (the limit is 2): close some pages " +
    "or tabs of this peer",
  ]);
  const other = await connect(web.port, "127.0.0.3");
  assert.equal(await other.get(), "HTTP/1.1 200 OK");
  assert.equal(await held[0].get(), "HTTP/1.1 200 OK", "those let in are served");
  held[1].socket.destroy();
  await held[1].closed;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const again = await connect(web.port, "127.0.0.2");
  assert.equal(await again.get(), "HTTP/1.1 200 OK", "a closed connection frees its place");
  for (const each of [held[0], other, again]) each.socket.destroy();
});

Deno.test("past the limit in all every newcomer is refused, whatever its address", async () => {
  await using web = await listen({ total: 3, perAddress: 2 });
  const held = [
    await connect(web.port, "127.0.0.2"),
    await connect(web.port, "127.0.0.2"),
    await connect(web.port, "127.0.0.3"),
  ];
  const late = await connect(web.port, "127.0.0.4");
  await late.closed;
  assert.match(late.received(), /^HTTP\/1.1 503 [^]*holds its limit of 3 connections/);
  for (const each of held) each.socket.destroy();
});

Deno.test("headers that never end, silence and idle keep-alive are closed in bounded time", async () => {
  await using web = await listen({ headersMs: 500, keepAliveMs: 300, idleMs: 1_500 });
  const half = await connect(web.port, "127.0.0.2");
  half.socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  const silent = await connect(web.port, "127.0.0.2");
  const kept = await connect(web.port, "127.0.0.2");
  assert.equal(await kept.get(), "HTTP/1.1 200 OK");
  const stalled = await connect(web.port, "127.0.0.2");
  assert.equal(await stalled.get("/stall"), "HTTP/1.1 200 OK");
  // Headers: 500 ms, checked every second; kept-alive: 300 ms and the runtime's 1 s.
  assert.ok(await half.closed < 2_500, "half-sent headers closed");
  assert.match(half.received(), /^HTTP\/1.1 408 /);
  assert.ok(await silent.closed < 2_500, "a silent connection closed");
  assert.ok(await kept.closed < 2_500, "an idle kept-alive connection closed");
  const stalledMs = await stalled.closed;
  assert.ok(stalledMs >= 1_400 && stalledMs < 4_000, `a stalled response cut (${stalledMs} ms)`);
});
