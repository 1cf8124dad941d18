import assert from "node:assert/strict";
import { cpuMilliseconds } from "./cpu_time.ts";

Deno.test("CPU time grows with work and is counted in whole milliseconds", () => {
  const before = cpuMilliseconds();
  let spin = 0;
  const until = performance.now() + 30;
  while (performance.now() < until) spin++;
  const after = cpuMilliseconds();
  assert.ok(Number.isInteger(before) && Number.isInteger(after));
  assert.ok(after > before, `${spin} loops took CPU time`);
});
