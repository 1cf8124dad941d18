/**
 * The web port's limits on a real peer (`--web 127.0.0.1:0`), from several
 * loopback source addresses: one address past its limit, or all past the
 * limit in all, is refused with a 503 that says why while the others are
 * served; headers that never end, silent connections and idle kept-alive
 * ones are closed in bounded time.
 */

import assert from "node:assert/strict";
import {
  WEB_HEADERS_TIMEOUT_MS,
  WEB_KEEP_ALIVE_TIMEOUT_MS,
  WEB_MAX_CONNECTIONS,
  WEB_MAX_CONNECTIONS_PER_ADDRESS,
} from "../../src/web/constants.ts";
import { connect, type RawConnection } from "../helpers/raw_http.ts";
import { startCluster } from "../helpers/cluster.ts";
import { startWebPeer, TOKEN } from "./web_peer.ts";

const AUTHORIZED = { authorization: `Bearer ${TOKEN}` };

/** `count` silent connections to `port` from `from`. */
async function hold(port: number, from: string, count: number): Promise<RawConnection[]> {
  const held: RawConnection[] = [];
  for (let i = 0; i < count; i++) held.push(await connect(port, from, { waitMs: 30_000 }));
  return held;
}

Deno.test("one address past the web port's limit is refused, saying why, while others are served", async () => {
  await using cluster = await startCluster("p2pft-web-limits-");
  const page = await startWebPeer(cluster, "web");
  const port = Number(new URL(page.base).port);
  const held = await hold(port, "127.0.0.2", WEB_MAX_CONNECTIONS_PER_ADDRESS);
  try {
    const refused = await connect(port, "127.0.0.2");
    await refused.closed;
    assert.match(refused.received(), /^HTTP\/1.1 503 /);
    assert.match(
      refused.received(),
      new RegExp(`too many connections from your address \\(the limit is ${held.length}\\)`),
    );
    const other = await connect(port, "127.0.0.3");
    assert.equal(await other.get("/api/state", AUTHORIZED), "HTTP/1.1 200 OK");
    other.socket.destroy();
    assert.equal((await page.fetch("/api/state")).status, 200, "loopback's own address too");
    assert.equal(await held[0].get("/api/state", AUTHORIZED), "HTTP/1.1 200 OK");
    await page.peer.stderr.waitFor(/refused connection from 127\.0\.0\.2: too many connections/);
  } finally {
    for (const connection of held) connection.socket.destroy();
  }
});

Deno.test("past the web port's limit in all, a newcomer from any address is refused", async () => {
  await using cluster = await startCluster("p2pft-web-limits-");
  const page = await startWebPeer(cluster, "web");
  const port = Number(new URL(page.base).port);
  const held: RawConnection[] = [];
  try {
    const addresses = Math.ceil(WEB_MAX_CONNECTIONS / WEB_MAX_CONNECTIONS_PER_ADDRESS);
    for (let i = 0; i < addresses; i++) {
      const count = Math.min(WEB_MAX_CONNECTIONS_PER_ADDRESS, WEB_MAX_CONNECTIONS - held.length);
      held.push(...await hold(port, `127.0.0.${10 + i}`, count));
    }
    const late = await connect(port, "127.0.1.1");
    await late.closed;
    assert.match(
      late.received(),
      new RegExp(`^HTTP/1.1 503 [^]*holds its limit of ${WEB_MAX_CONNECTIONS} connections`),
    );
    held.pop()!.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await connect(port, "127.0.1.1");
    assert.equal(await next.get("/api/state", AUTHORIZED), "HTTP/1.1 200 OK", "a freed place");
    next.socket.destroy();
  } finally {
    for (const connection of held) connection.socket.destroy();
  }
});

Deno.test("headers that never end, silence and idle keep-alive on the web port end in bounded time", async () => {
  await using cluster = await startCluster("p2pft-web-limits-");
  const page = await startWebPeer(cluster, "web");
  const port = Number(new URL(page.base).port);
  const waitMs = WEB_HEADERS_TIMEOUT_MS + 5_000;
  const half = await connect(port, "127.0.0.2", { waitMs });
  half.socket.write("GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  const silent = await connect(port, "127.0.0.2", { waitMs });
  const kept = await connect(port, "127.0.0.2", { waitMs });
  assert.equal(await kept.get("/api/state", AUTHORIZED), "HTTP/1.1 200 OK");
  // The runtime checks headers every second, and adds 1 s to the keep-alive time.
  const keptMs = await kept.closed;
  assert.ok(
    keptMs >= WEB_KEEP_ALIVE_TIMEOUT_MS && keptMs < WEB_KEEP_ALIVE_TIMEOUT_MS + 2_500,
    `an idle kept-alive connection closed after ${keptMs} ms`,
  );
  for (const [name, connection] of [["half-sent headers", half], ["silence", silent]] as const) {
    const ms = await connection.closed;
    assert.ok(
      ms >= WEB_HEADERS_TIMEOUT_MS - 100 && ms < WEB_HEADERS_TIMEOUT_MS + 2_500,
      `${name} closed after ${ms} ms`,
    );
    assert.match(connection.received(), /^HTTP\/1.1 408 /, name);
  }
});
