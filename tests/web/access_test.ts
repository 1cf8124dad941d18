import assert from "node:assert/strict";
import { eventsNamed, NETWORK_KEY, peerArgs, runP2pft } from "../../scripts/process_harness.ts";
import { startCluster } from "../helpers/cluster.ts";
import { startWebPeer, TOKEN } from "./web_peer.ts";

Deno.test("the web page needs the token, on loopback too, and only answers to its own host", async () => {
  await using cluster = await startCluster("p2pft-web-access-");
  const page = await startWebPeer(cluster, "web");
  const bare = (path: string, init: RequestInit = {}) => fetch(page.base + path, init);

  const noToken = await bare("/api/state");
  assert.equal(noToken.status, 401);
  assert.match((await noToken.json()).error, /give the access token the peer printed/);
  const wrong = await bare("/api/state", { headers: { authorization: "Bearer nope" } });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();
  const home = await bare("/");
  assert.equal(home.status, 401);
  assert.match(home.headers.get("content-type")!, /^text\/html/);
  assert.match(await home.text(), /Open the address the peer's terminal\s+printed/);
  const file = await bare("/files/00/x");
  assert.equal(file.status, 401);
  await file.body?.cancel();

  const opened = await bare(`/?token=${TOKEN}`, { redirect: "manual" });
  assert.equal(opened.status, 303);
  assert.equal(opened.headers.get("location"), "/");
  const cookie = opened.headers.get("set-cookie")!;
  assert.match(cookie, /^p2pft_web=test-token-0123456789; /);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const byCookie = await bare("/api/state", { headers: { cookie: cookie.split(";")[0] } });
  assert.equal(byCookie.status, 200);
  const state = await byCookie.json();
  assert.equal(state.server.address, cluster.server.address);
  assert.match(state.peer.fingerprint, /^[a-z2-7]{8}$/);
  assert.equal(state.web.urls[0], `${page.base}/?token=${TOKEN}`);
  const staleLink = await bare("/api/state?token=old", {
    headers: { cookie: cookie.split(";")[0] },
  });
  assert.equal(staleLink.status, 200, "a valid cookie is enough beside a stale token");
  await staleLink.body?.cancel();
  const byQuery = await bare(`/api/shared?token=${TOKEN}`);
  assert.deepEqual(await byQuery.json(), { shared: [] });
  const byKey = await bare("/api/shared", { headers: { authorization: `Bearer ${NETWORK_KEY}` } });
  assert.equal(byKey.status, 401, "the network key is no token: members could read any file");
  await byKey.body?.cancel();

  const port = Number(new URL(page.base).port);
  const rebound = await rawStatus(port, "attacker.example:80", "/api/state");
  assert.equal(rebound.status, 403, "a DNS-rebinding page's host is refused");
  assert.match(rebound.text, /not the peer's/);
  assert.equal((await rawStatus(port, `localhost:${port}`, "/api/state")).status, 200);
  assert.equal((await rawStatus(port, `127.0.0.1:${port}`, "/api/state")).status, 200);
  const crossSite = await page.fetch("/api/downloads", {
    method: "POST",
    body: "{}",
    headers: { origin: "http://attacker.example" },
  });
  assert.equal(crossSite.status, 403);
  await crossSite.body?.cancel();
});

Deno.test("the page's files are served by type, never from outside their folder", async () => {
  await using cluster = await startCluster("p2pft-web-static-");
  const page = await startWebPeer(cluster, "web");
  for (const path of ["/page/../deno.json", "/page/%2e%2e/web_server.ts", "/page/..%2fapp.ts"]) {
    const response = await page.fetch(path);
    assert.equal(response.status, 404, path);
    await response.body?.cancel();
  }
  const missing = await page.json("/api/nothing", { status: 404 });
  assert.match(String(missing.error), /no such API: GET \/api\/nothing/);
  const qr = await page.fetch("/api/qr.svg");
  assert.equal(qr.headers.get("content-type"), "image/svg+xml");
  assert.match(await qr.text(), /^<svg /);
  const index = await page.fetch("/");
  const expected = await Deno.stat(new URL("../../src/web/page/index.html", import.meta.url))
    .then(() => 200, () => 404);
  assert.equal(index.status, expected);
  if (expected === 200) assert.match(index.headers.get("content-type")!, /^text\/html/);
  await index.body?.cancel();
});

/** Status and text of a GET of `path` on `port` with the token and `Host: host` (fetch sets its own). */
async function rawStatus(port: number, host: string, path: string) {
  using connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
    "Connection: close\r\n\r\n";
  await connection.write(new TextEncoder().encode(request));
  const text = await new Response(connection.readable).text();
  return { status: Number(text.split(" ")[1]), text };
}

Deno.test("the shell's web command prints the page's URL again, and says when there is none", async () => {
  await using cluster = await startCluster("p2pft-web-shell-");
  const withWeb = await runP2pft(
    peerArgs(cluster.server.address, [
      "-i",
      "--web",
      "127.0.0.1:0",
      "--web-token",
      TOKEN,
      "--json",
    ]),
    { input: "web\nexit\n" },
  );
  assert.equal(withWeb.code, 0, withWeb.stderr);
  const urls = eventsNamed(withWeb.events, "web").map((event) => event.urls);
  assert.equal(urls.length, 2, "printed at start and by web");
  assert.deepEqual(urls[0], urls[1]);
  assert.match(urls[0][0], new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${TOKEN}$`));
  const without = await runP2pft(peerArgs(cluster.server.address, ["-i"]), {
    input: "web\nexit\n",
  });
  assert.equal(without.code, 1);
  assert.match(without.stderr, /this peer serves no web page: start it with --web/);
});

Deno.test("a taken web port is refused with what to do, and the peer stops", async () => {
  await using cluster = await startCluster("p2pft-web-taken-");
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const result = await runP2pft(
    peerArgs(cluster.server.address, ["--web", `127.0.0.1:${taken.addr.port}`]),
  );
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /cannot serve the web page on 127\.0\.0\.1:\d+: that port is taken: give another with --web/,
  );
});

Deno.test("a web address this machine does not have is refused with what to do", async () => {
  await using cluster = await startCluster("p2pft-web-addr-");
  const result = await runP2pft(peerArgs(cluster.server.address, ["--web", "192.0.2.1:0"]));
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /cannot serve the web page on 192\.0\.2\.1:0: this machine has no such address: give one/,
  );
});
