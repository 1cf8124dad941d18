import assert from "node:assert/strict";
import { megabytesPerSecond, parseSize, renderTable } from "./bench_report.ts";

Deno.test("parseSize reads binary units and plain counts", () => {
  assert.equal(parseSize("1G"), 1024 ** 3);
  assert.equal(parseSize("256M"), 256 * 1024 ** 2);
  assert.equal(parseSize("64KiB"), 64 * 1024);
  assert.equal(parseSize("1000"), 1000);
  assert.throws(() => parseSize("lots"), /not a size/);
});

Deno.test("megabytesPerSecond is decimal", () => {
  assert.equal(megabytesPerSecond(2e9, 2000), 1000);
});

Deno.test("renderTable aligns columns and marks failures", () => {
  const table = renderTable([
    { scenario: "a", figure: "1", baseline: "2", ratio: "0.50", target: "t", pass: true },
    { scenario: "longer", figure: "10", baseline: "2", ratio: "5.00", target: "t", pass: false },
  ]);
  const lines = table.split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[2], /^a\s+1\s+2\s+0\.50\s+t\s+yes$/);
  assert.match(lines[3], /NO$/);
});
