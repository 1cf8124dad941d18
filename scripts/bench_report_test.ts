import assert from "node:assert/strict";
import {
  compareRow,
  formatRatio,
  formatSize,
  formatSpread,
  formatTarget,
  megabytesPerSecond,
  parseSize,
  renderTable,
  type Row,
  skippedRow,
  spread,
  summaryLine,
  tally,
} from "./bench_report.ts";

Deno.test("parseSize reads binary units and plain counts", () => {
  assert.equal(parseSize("1G"), 1024 ** 3);
  assert.equal(parseSize("256M"), 256 * 1024 ** 2);
  assert.equal(parseSize("64KiB"), 64 * 1024);
  assert.equal(parseSize("1.5g"), 1.5 * 1024 ** 3);
  assert.equal(parseSize("1000"), 1000);
  assert.throws(() => parseSize("lots"), /not a size/);
  assert.throws(() => parseSize("0M"), /positive/);
});

Deno.test("formatSize uses binary units without trailing zeros", () => {
  assert.equal(formatSize(1024 ** 3), "1 GiB");
  assert.equal(formatSize(256 * 1024 ** 2), "256 MiB");
  assert.equal(formatSize(1.5 * 1024 ** 2), "1.5 MiB");
  assert.equal(formatSize(2048), "2 KiB");
  assert.equal(formatSize(12), "12 bytes");
});

Deno.test("megabytesPerSecond is decimal", () => {
  assert.equal(megabytesPerSecond(2e9, 2000), 1000);
});

Deno.test("formatRatio shows two decimals and a dash for nonsense", () => {
  assert.equal(formatRatio(0.256), "0.26x");
  assert.equal(formatRatio(Infinity), "-");
  assert.equal(formatRatio(NaN), "-");
});

Deno.test("formatTarget names the unit or the ratio", () => {
  assert.equal(
    formatTarget({ on: "figure", comparison: ">=", limit: 600 }, (v) => `${v} MB/s`),
    ">= 600 MB/s",
  );
  assert.equal(formatTarget({ on: "ratio", comparison: "<=", limit: 1.3 }, String), "<= 1.3x");
});

Deno.test("compareRow checks a figure target on the figure", () => {
  const row = compareRow({
    scenario: "tmpfs",
    value: 650,
    baselineValue: 2600,
    format: (v) => `${v} MB/s`,
    baselineName: "TCP",
    target: { on: "figure", comparison: ">=", limit: 600 },
  });
  assert.deepEqual(row, {
    scenario: "tmpfs",
    figure: "650 MB/s",
    baseline: "2600 MB/s TCP",
    ratio: "0.25x",
    target: ">= 600 MB/s",
    verdict: "pass",
  });
});

Deno.test("compareRow checks a ratio target on the ratio, and no target gives no verdict", () => {
  const slow = compareRow({
    scenario: "disk",
    value: 1400,
    baselineValue: 1000,
    format: String,
    baselineName: "cp",
    target: { on: "ratio", comparison: "<=", limit: 1.3 },
  });
  assert.equal(slow.ratio, "1.40x");
  assert.equal(slow.verdict, "FAIL");
  const strict = compareRow({
    scenario: "upload",
    value: 2,
    baselineValue: 1,
    format: String,
    baselineName: "file",
    target: { on: "ratio", comparison: "<", limit: 2 },
  });
  assert.equal(strict.verdict, "FAIL");
  const plain = compareRow({
    scenario: "x",
    value: 1,
    baselineValue: 2,
    format: String,
    baselineName: "y",
  });
  assert.equal(plain.target, "-");
  assert.equal(plain.verdict, "");
});

Deno.test("skippedRow keeps the figure and the target, and says why the baseline is missing", () => {
  const format = (v: number) => `${v} MB/s`;
  const row = skippedRow({
    scenario: "tmpfs",
    value: 650,
    format,
    baselineName: "scp",
    reason: "sshd not found: apt-get install openssh-server",
    target: { on: "ratio", comparison: ">=", limit: 4 },
  });
  assert.deepEqual(row, {
    scenario: "tmpfs",
    figure: "650 MB/s",
    baseline: "scp skipped: sshd not found: apt-get install openssh-server",
    ratio: "-",
    target: ">= 4x",
    verdict: "skip",
  });
  const plain = skippedRow({ scenario: "x", value: 1, format, baselineName: "rsync", reason: "r" });
  assert.equal(plain.target, "-");
  assert.equal(plain.verdict, "");
});

Deno.test("renderTable aligns columns, right-aligns numbers and keeps verdicts", () => {
  const rows: Row[] = [
    { scenario: "a", figure: "1 s", baseline: "2 s cp", ratio: "0.50x", target: "-", verdict: "" },
    {
      scenario: "longer",
      figure: "10 s",
      baseline: "2 s cp",
      ratio: "5.00x",
      target: "<= 1.3x",
      verdict: "FAIL",
    },
  ];
  assert.deepEqual(renderTable(rows).split("\n"), [
    "scenario  figure  baseline (same run)  ratio  target   ok",
    "--------  ------  -------------------  -----  -------  ----",
    "a            1 s  2 s cp               0.50x  -",
    "longer      10 s  2 s cp               5.00x  <= 1.3x  FAIL",
  ]);
});

Deno.test("summaryLine and tally", () => {
  assert.equal(summaryLine("swarm", ["a", "b"]), "swarm: a; b");
  const row = (verdict: string): Row => ({
    scenario: "",
    figure: "",
    baseline: "",
    ratio: "",
    target: "",
    verdict,
  });
  assert.equal(tally([row("pass"), row("FAIL"), row(""), row("pass")]), "targets: 2 met, 1 missed");
  assert.equal(tally([row("pass"), row("skip")]), "targets: 1 met, 0 missed, 1 skipped");
});

Deno.test("spread and formatSpread", () => {
  assert.deepEqual(spread([3, 1, 2]), { min: 1, median: 2, max: 3, count: 3 });
  assert.deepEqual(spread([4, 1, 2, 3]), { min: 1, median: 2.5, max: 4, count: 4 });
  assert.throws(() => spread([]), /no values/);
  const seconds = (ms: number) => `${ms / 1000} s`;
  assert.equal(formatSpread(spread([1500]), seconds), "1.5 s");
  assert.equal(
    formatSpread(spread([2000, 1000, 3000]), seconds),
    "best 1 s (median 2 s, worst 3 s; n=3)",
  );
});
