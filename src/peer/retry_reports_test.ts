import assert from "node:assert/strict";
import { RetryReports } from "./retry_reports.ts";

Deno.test("a failing streak is reported at once, then ever more seldom, up to a bound", () => {
  const reports = new RetryReports({ minGapMs: 1_000, maxGapMs: 4_000 });
  const reported: number[] = [];
  for (let now = 0; now <= 20_000; now += 250) {
    const report = reports.failed(now);
    if (report) reported.push(now);
    if (now === 0) assert.deepEqual(report, { first: true, failures: 1, failingMs: 0 });
  }
  assert.deepEqual(reported, [0, 1_000, 3_000, 7_000, 11_000, 15_000, 19_000]);
  assert.equal(reports.failingSince, 0);
});

Deno.test("a success ends the streak: the next failure is news again", () => {
  const reports = new RetryReports({ minGapMs: 1_000, maxGapMs: 4_000 });
  reports.failed(0);
  assert.equal(reports.failed(500), undefined);
  reports.succeeded();
  assert.equal(reports.failingSince, undefined);
  assert.deepEqual(reports.failed(600), { first: true, failures: 1, failingMs: 0 });
  assert.deepEqual(reports.failed(1_600), { first: false, failures: 2, failingMs: 1_000 });
});
