import assert from "node:assert/strict";
import { Child } from "./child_process.ts";

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
