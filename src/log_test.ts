import assert from "node:assert/strict";
import { createLogger, errorMessage, formatLogLine, type LogLevel } from "./log.ts";

Deno.test("loggers drop lines below their level and name their parts", () => {
  const lines: [string, LogLevel][] = [];
  const log = createLogger("peer", {
    level: "info",
    sink: (line, level) => lines.push([line, level]),
    now: () => 0,
  });
  log.debug("hidden");
  log.info("shown");
  log.child("link").warn("careful");
  assert.deepEqual(lines, [
    ["00:00:00.000 INFO  [peer] shown", "info"],
    ["00:00:00.000 WARN  [peer/link] careful", "warn"],
  ]);
});

Deno.test("silent drops everything; error messages come from any thrown value", () => {
  const lines: string[] = [];
  createLogger("x", { level: "silent", sink: (line) => lines.push(line) }).error("no");
  assert.deepEqual(lines, []);
  assert.equal(errorMessage(new Error("boom")), "boom");
  assert.equal(errorMessage("plain"), "plain");
  assert.match(formatLogLine("n", "error", { message: "m", time: 0 }), /ERROR \[n\] m$/);
});
