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

Deno.test("a name from the network can neither forge a log line nor reach the terminal raw", () => {
  const lines: string[] = [];
  const log = createLogger("peer", { sink: (line) => lines.push(line), now: () => 0 });
  log.info("got evil.bin\n00:00:00.000 ERROR [peer] forged");
  log.child("download \u001b[2J\u202eexe.txt").warn("peer \u009b31m sent bad data");
  assert.deepEqual(lines, [
    "00:00:00.000 INFO  [peer] got evil.bin\\n00:00:00.000 ERROR [peer] forged",
    "00:00:00.000 WARN  [peer/download \\u001b[2J\\u202eexe.txt] peer \\u009b31m sent bad data",
  ]);
});
