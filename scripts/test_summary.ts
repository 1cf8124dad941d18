/**
 * Turns the output of `deno test` into the plain closing line CI reads:
 * `N passed, N failed, N skipped`.
 *
 * Used by `.ci/run`: `deno run scripts/test_summary.ts < test.log`. It reads
 * the whole log from standard input, finds deno's own summary line (such as
 * `ok | 57 passed (12 steps) | 0 failed | 2 ignored (3s)`) and prints the
 * counts of tests (not steps). Exit status: 0 when a summary line was found,
 * 2 when none was (the run did not finish, e.g. a type error stopped it).
 *
 * @module
 */

/** Counts of one `deno test` run, read from its summary line. */
export interface TestSummary {
  /** `true` when deno reported `ok`, `false` when it reported `FAILED`. */
  ok: boolean;
  /** Tests that passed (steps are not counted). */
  passed: number;
  /** Tests that failed. */
  failed: number;
  /** Tests that were ignored (`ignore: true` or `Deno.test.ignore`). */
  ignored: number;
}

// deno's colours and any other CSI sequence (e.g. `\x1b[0m`, `\x1b[1;31m`).
// deno-lint-ignore no-control-regex
const ANSI_PATTERN = /\x1b\[[0-9;?]*[ -\/]*[@-~]/g;

/** Removes ANSI escape sequences (colours) from `text`. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/**
 * Reads one line as a deno test summary line, or returns `undefined` when it is
 * not one. The line looks like `ok | 3 passed (2 steps) | 0 failed | 1 ignored (5ms)`
 * or `FAILED | 2 passed | 1 failed (1s)`; fields after `failed` are optional.
 */
export function parseSummaryLine(line: string): TestSummary | undefined {
  const fields = stripAnsi(line).trim().split(" | ");
  const status = fields[0];
  if ((status !== "ok" && status !== "FAILED") || fields.length < 3) return undefined;
  const counts = new Map<string, number>();
  for (const field of fields.slice(1)) {
    const match = /^(\d+) (passed|failed|ignored|measured|filtered out)\b/.exec(field);
    if (match === null) return undefined;
    counts.set(match[2], Number(match[1]));
  }
  const passed = counts.get("passed");
  const failed = counts.get("failed");
  if (passed === undefined || failed === undefined) return undefined;
  return { ok: status === "ok", passed, failed, ignored: counts.get("ignored") ?? 0 };
}

/**
 * Finds the summary of a whole `deno test` output: its last summary line, since
 * deno prints it at the very end. Returns `undefined` when there is none.
 */
export function parseTestOutput(output: string): TestSummary | undefined {
  const lines = output.split(/\r?\n/);
  for (let index = lines.length - 1; index >= 0; index--) {
    const summary = parseSummaryLine(lines[index]);
    if (summary !== undefined) return summary;
  }
  return undefined;
}

/** Formats `summary` as the plain closing line `N passed, N failed, N skipped`. */
export function formatSummary(summary: TestSummary): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.ignored} skipped`;
}

async function readStdin(): Promise<string> {
  return await new Response(Deno.stdin.readable).text();
}

async function main(): Promise<number> {
  const summary = parseTestOutput(await readStdin());
  if (summary === undefined) {
    console.log("test_summary: no `deno test` summary line found; the test run did not finish");
    console.log(formatSummary({ ok: false, passed: 0, failed: 0, ignored: 0 }));
    return 2;
  }
  console.log(formatSummary(summary));
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
