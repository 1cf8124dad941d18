import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { type Inspector, watchForDebugger } from "./debugger_guard.ts";

/** An inspector that opens after `looks` calls of `url()`, counting its closes. */
function fakeInspector(looks: number): Inspector & { closes: number; seen: number } {
  let open = false;
  return {
    closes: 0,
    seen: 0,
    url() {
      this.seen++;
      if (!open && this.seen > looks) open = true;
      return open ? "ws://127.0.0.1:9229/0f0e" : undefined;
    },
    close() {
      this.closes++;
      open = false;
    },
  };
}

function recordingLog() {
  const lines: string[] = [];
  return { lines, log: createLogger("peer", { sink: (line) => lines.push(line) }) };
}

Deno.test("watchForDebugger closes a debugger that opens while it looks, and warns", async () => {
  const inspector = fakeInspector(3);
  const { lines, log } = recordingLog();
  assert.equal(await watchForDebugger(inspector, log, { pollMs: 1, watchMs: 1_000 }), true);
  assert.equal(inspector.closes, 1);
  assert.equal(inspector.seen, 4);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /SIGUSR1 opened the runtime's debugger \(ws:\/\/127\.0\.0\.1:9229\/0f0e\)/,
  );
  assert.match(lines[0], /stop p2pft with SIGINT or SIGTERM/);
});

Deno.test("watchForDebugger closes one already open without waiting", async () => {
  const inspector = fakeInspector(0);
  const { lines, log } = recordingLog();
  assert.equal(await watchForDebugger(inspector, log, { pollMs: 60_000, watchMs: 60_000 }), true);
  assert.equal(inspector.closes, 1);
  assert.equal(lines.length, 1);
});

Deno.test("watchForDebugger gives up quietly when no debugger opens in time", async () => {
  const inspector = fakeInspector(Infinity);
  const { lines, log } = recordingLog();
  const started = performance.now();
  assert.equal(await watchForDebugger(inspector, log, { pollMs: 2, watchMs: 30 }), false);
  assert.ok(performance.now() - started >= 30);
  assert.ok(inspector.seen >= 2);
  assert.equal(inspector.closes, 0);
  assert.deepEqual(lines, []);
});
