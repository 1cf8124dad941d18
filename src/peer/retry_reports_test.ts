import assert from "node:assert/strict";
import { failureLine, RetryReports } from "./retry_reports.ts";

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

Deno.test("the lines of a failing link name its server, or say the others are tried", () => {
  const first = { first: true, failures: 1, failingMs: 0 };
  const later = { first: false, failures: 9, failingMs: 4_200 };
  const one = { server: "a:1", reason: "refused", servers: 1 };
  const two = { ...one, servers: 2 };
  assert.deepEqual(failureLine(first, one), {
    level: "warn",
    text: "cannot reach the server at a:1 (refused); is it running? --server HOST:PORT sets " +
      "its address; retrying",
  });
  assert.match(failureLine(first, two).text, /trying the others of the 2 servers/);
  assert.deepEqual(failureLine(later, one), {
    level: "info",
    text: "still cannot reach the server at a:1 after 9 attempts in 4 s (refused); retrying",
  });
  assert.match(failureLine(later, two).text, /any of the 2 servers after 9 .*last a:1: refused/);
});
