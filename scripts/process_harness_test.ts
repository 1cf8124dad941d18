import assert from "node:assert/strict";
import {
  eventsNamed,
  harnessDataHome,
  MAIN,
  NETWORK_KEY,
  p2pftArgs,
  p2pftEnv,
  parseEvent,
  startServer,
} from "./process_harness.ts";

Deno.test("p2pft arguments: mDNS off for servers and peers unless asked, Deno flags first", () => {
  assert.deepEqual(p2pftArgs(["peer", "-d", "abcd"]), [
    "run",
    "--allow-all",
    "--quiet",
    MAIN,
    "peer",
    "--no-mdns",
    "-d",
    "abcd",
  ]);
  assert.deepEqual(p2pftArgs(["server"], { mdns: true, denoFlags: ["--cpu-prof"] }), [
    "run",
    "--allow-all",
    "--quiet",
    "--cpu-prof",
    MAIN,
    "server",
  ]);
  assert.deepEqual(p2pftArgs(["--version"]).slice(-1), ["--version"]);
});

Deno.test("JSON events are told apart from other lines", () => {
  const lines = [
    '{"event":"listening","role":"peer","address":"127.0.0.1:1"}',
    "File ID: abc",
    "{not json",
    '{"no":"event"}',
    '{"event":"cancelled","download":1,"fileId":"f","name":"n"}',
  ];
  const events = lines.map(parseEvent).filter((event) => event !== null);
  assert.deepEqual(events.map((event) => event.event), ["listening", "cancelled"]);
  assert.deepEqual(eventsNamed(events, "cancelled").map((event) => event.download), [1]);
});

Deno.test("a p2pft server is started on a free loopback port, in text or JSON mode", async () => {
  await using text = await startServer();
  assert.match(text.address, /^127\.0\.0\.1:\d+$/);
  assert.ok(text.port > 0);
  await using json = await startServer({ args: ["--json"] });
  assert.equal(json.events()[0].event, "listening");
  assert.notEqual(json.address, text.address);
});

Deno.test("p2pft processes get the run's network key and a data home of their own, unless told otherwise", async () => {
  assert.deepEqual(p2pftEnv(), { P2PFT_KEY: NETWORK_KEY, XDG_DATA_HOME: harnessDataHome() });
  assert.equal(p2pftEnv({ key: false }).P2PFT_KEY, "", "no key: set empty, so none leaks in");
  assert.equal(p2pftEnv({ key: "p2pft-given" }).P2PFT_KEY, "p2pft-given");
  assert.equal(p2pftEnv({ key: false, env: { P2PFT_KEY: "mine" } }).P2PFT_KEY, "mine");
  assert.ok((await Deno.stat(harnessDataHome())).isDirectory);
  await using server = await startServer();
  await server.stdout.waitFor(new RegExp(`^Network key: ${NETWORK_KEY}$`));
  await using open = await startServer({ args: ["--open"], key: false });
  await open.stdout.waitFor(/^Network: open \(no key\)$/);
});
