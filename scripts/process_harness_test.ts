import assert from "node:assert/strict";
import {
  Child,
  eventsNamed,
  harnessDataHome,
  MAIN,
  NETWORK_KEY,
  p2pftArgs,
  p2pftEnv,
  parseEvent,
  startServer,
} from "./process_harness.ts";

/** A child running `code` with `deno eval`. */
function evaluate(code: string, options: { stdin?: "piped"; watchUsage?: boolean } = {}): Child {
  return new Child([Deno.execPath(), "eval", code], options);
}

Deno.test("a child's lines can be awaited before and after they arrive", async () => {
  await using child = evaluate(
    "console.log('one'); console.error('oops'); await new Promise((r) => setTimeout(r, 200));" +
      "console.log('two 2');",
  );
  assert.deepEqual((await child.stdout.waitFor(/^two (\d)$/)).slice(1), ["2"]);
  assert.equal((await child.stdout.waitFor(/^one$/))[0], "one", "a line already seen");
  const [one, two] = child.stdout.timed;
  assert.ok(two.at - one.at >= 150, "each line keeps its arrival time");
  assert.equal((await child.stderr.waitFor(/oops/))[0], "oops");
  const exit = await child.exit();
  assert.deepEqual({ code: exit.code, success: exit.success }, { code: 0, success: true });
  assert.equal(child.stdout.text, "one\ntwo 2");
});

Deno.test("a wait for a line fails when the output ends or the time is up", async () => {
  await using ended = evaluate("console.log('only line')");
  await assert.rejects(ended.stdout.waitFor(/never/), /output ended without the expected line/);
  await using quiet = evaluate("await new Promise((r) => setTimeout(r, 5_000))");
  await assert.rejects(quiet.stdout.waitFor(/never/, 100), /no expected line within 100 ms/);
  await assert.rejects(quiet.stdout.waitForCount(/never/, { count: 1, timeoutMs: 100 }), /fewer/);
});

Deno.test("a child that outlives its exit timeout is killed and the wait fails with its output", async () => {
  await using child = evaluate(
    "console.log('stuck'); await new Promise(() => setInterval(() => {}, 1000))",
  );
  await child.stdout.waitFor(/stuck/);
  await assert.rejects(
    child.exit(100),
    /still running after 100 ms, killed: .*\n--- stdout\nstuck/,
  );
  assert.equal((await child.exited).signal, "SIGKILL");
});

Deno.test("disposing of a child stops it", async () => {
  let child: Child;
  {
    await using running = evaluate("setInterval(() => {}, 1000)");
    child = running;
  }
  assert.equal((await child.exited).signal, "SIGTERM");
});

Deno.test("input reaches the child's stdin, which is then closed", async () => {
  await using child = evaluate(
    "for await (const c of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) " +
      "console.log(c.toUpperCase().trim())",
    { stdin: "piped" },
  );
  await child.input("hello\n");
  assert.equal((await child.exit()).code, 0);
  assert.deepEqual(child.stdout.lines, ["HELLO"]);
});

Deno.test({
  name: "a watched child's memory and CPU time are sampled",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using child = evaluate(
      "const end = Date.now() + 300; while (Date.now() < end);",
      { watchUsage: true },
    );
    await child.exit();
    const usage = child.usage;
    assert.ok(usage.maxRss > 0 && usage.hwm >= usage.maxRss, JSON.stringify(usage));
    assert.ok(usage.cpuMs > 0, JSON.stringify(usage));
  },
});

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
