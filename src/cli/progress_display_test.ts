import assert from "node:assert/strict";
import { progressSnapshot } from "../peer/test_progress.ts";
import { downloadFigures, type TaskFigures } from "./progress.ts";
import {
  BarsDisplay,
  jsonDisplay,
  NullDisplay,
  plainDisplay,
  progressDisplay,
  StatusLines,
} from "./progress_display.ts";

function figures(bytesDone: number): TaskFigures {
  return downloadFigures(progressSnapshot({ bytesDone, bytesTotal: 100, sources: 2 }), 10);
}

Deno.test("plain lines come at most one per task per interval, the first after one", () => {
  let now = 0;
  const lines: string[] = [];
  const display = plainDisplay((line) => lines.push(line), { intervalMs: 3000, now: () => now });
  display.update("a", figures(10));
  now = 1000;
  display.update("a", figures(20));
  assert.deepEqual(lines, []);
  now = 3000;
  display.update("a", figures(30));
  now = 4000;
  display.update("a", figures(40));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^#1 big\.iso: 30% /);
  display.remove("a");
  now = 9000;
  display.update("a", figures(50));
  assert.equal(lines.length, 1, "a task seen again starts over");
});

Deno.test("JSON progress events are throttled the same way", () => {
  let now = 0;
  const lines: string[] = [];
  const display = jsonDisplay((line) => lines.push(line), { intervalMs: 1000, now: () => now });
  display.update("a", figures(10));
  now = 1000;
  display.update("a", figures(60));
  assert.equal(lines.length, 1);
  const event = JSON.parse(lines[0]);
  assert.equal(event.event, "progress");
  assert.equal(event.bytesDone, 60);
});

Deno.test("the shell's status lines keep the latest figures of each task", () => {
  const status = new StatusLines();
  status.update("a", figures(10));
  status.update("a", figures(90));
  status.update("b", figures(20));
  assert.equal(status.lines().length, 2);
  assert.match(status.lines()[0], /90%/);
  status.remove("a");
  assert.equal(status.lines().length, 1);
  status.stop();
  assert.deepEqual(status.lines(), []);
});

Deno.test("the output mode and the terminal pick the display", () => {
  const target = { out: () => {}, err: () => {} };
  assert.ok(progressDisplay("quiet", { target, terminal: true }) instanceof NullDisplay);
  assert.ok(progressDisplay("text", { target, terminal: true }) instanceof BarsDisplay);
  const err: string[] = [];
  const bars = new BarsDisplay((line) => err.push(line));
  bars.log("a note while no bar is drawn");
  assert.deepEqual(err, ["a note while no bar is drawn"]);
});
