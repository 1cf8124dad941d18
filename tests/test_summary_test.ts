import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  formatSummary,
  parseSummaryLine,
  parseTestOutput,
  stripAnsi,
} from "../scripts/test_summary.ts";

const SCRIPT = fileURLToPath(new URL("../scripts/test_summary.ts", import.meta.url));

Deno.test("parseSummaryLine reads a passing run with steps and ignored tests", () => {
  assertEquals(parseSummaryLine("ok | 57 passed (12 steps) | 0 failed | 2 ignored (3s)"), {
    ok: true,
    passed: 57,
    failed: 0,
    ignored: 2,
  });
});

Deno.test("parseSummaryLine reads a failing run without ignored tests", () => {
  assertEquals(parseSummaryLine("FAILED | 50 passed | 3 failed (10s)"), {
    ok: false,
    passed: 50,
    failed: 3,
    ignored: 0,
  });
});

Deno.test("parseSummaryLine reads failed steps, measured and filtered-out fields", () => {
  assertEquals(
    parseSummaryLine(
      "FAILED | 4 passed (1 step) | 1 failed (2 steps) | 1 ignored (1 step) | 3 filtered out (20ms)",
    ),
    { ok: false, passed: 4, failed: 1, ignored: 1 },
  );
  assertEquals(parseSummaryLine("ok | 0 passed | 0 failed | 2 measured (0ms)"), {
    ok: true,
    passed: 0,
    failed: 0,
    ignored: 0,
  });
});

Deno.test("parseSummaryLine strips colours", () => {
  const coloured =
    "\x1b[0m\x1b[32mok\x1b[0m | 5 passed | 0 failed \x1b[0m\x1b[38;5;245m(1s)\x1b[0m";
  assertEquals(stripAnsi(coloured), "ok | 5 passed | 0 failed (1s)");
  assertEquals(parseSummaryLine(coloured), { ok: true, passed: 5, failed: 0, ignored: 0 });
});

Deno.test("parseSummaryLine rejects lines that only look similar", () => {
  assertEquals(parseSummaryLine("ok"), undefined);
  assertEquals(parseSummaryLine("some test ... ok (3ms)"), undefined);
  assertEquals(parseSummaryLine("ok | many passed | 0 failed (1s)"), undefined);
  assertEquals(parseSummaryLine("FAILED | 2 passed | oops (1s)"), undefined);
  assertEquals(parseSummaryLine("error: Test failed"), undefined);
});

Deno.test("parseTestOutput takes the last summary line and formats it", () => {
  const output = [
    "running 2 tests from ./a_test.ts",
    "prints ok | 1 passed | 0 failed (1ms) ... ok (2ms)",
    "ok | 9 passed | 9 failed (1ms)",
    "",
    "FAILED | 1 passed | 1 failed (5ms)",
    "",
    "error: Test failed",
    "",
  ].join("\n");
  const summary = parseTestOutput(output);
  assertEquals(summary, { ok: false, passed: 1, failed: 1, ignored: 0 });
  assertEquals(formatSummary(summary!), "1 passed, 1 failed, 0 skipped");
  assertEquals(parseTestOutput("error: TS2322 [ERROR]: Type 'string'\n"), undefined);
});

Deno.test("the CLI summarises real deno test output", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft_test_summary_" });
  try {
    await Deno.writeTextFile(
      join(dir, "sample_test.ts"),
      [
        'Deno.test("passes", () => {});',
        'Deno.test("passes with a step", async (t) => { await t.step("step", () => {}); });',
        'Deno.test("fails", () => { throw new Error("expected failure"); });',
        'Deno.test({ name: "ignored", ignore: true, fn() {} });',
      ].join("\n"),
    );
    const env = { NO_COLOR: "1" };
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--no-config", "--no-lock", join(dir, "sample_test.ts")],
      cwd: dir,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(run.success, false);
    const output = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
    assertEquals(parseTestOutput(output), { ok: false, passed: 2, failed: 1, ignored: 1 });

    const cli = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-lock", SCRIPT],
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = cli.stdin.getWriter();
    await writer.write(new TextEncoder().encode(output));
    await writer.close();
    const result = await cli.output();
    assertEquals(result.code, 0);
    assertEquals(new TextDecoder().decode(result.stdout), "2 passed, 1 failed, 1 skipped\n");

    const empty = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--no-lock", SCRIPT],
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(empty.code, 2);
    const lines = new TextDecoder().decode(empty.stdout).trimEnd().split("\n");
    assertEquals(lines.at(-1), "0 passed, 0 failed, 0 skipped");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
