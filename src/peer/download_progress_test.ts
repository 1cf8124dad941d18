import assert from "node:assert/strict";
import { isActive, waysSummary } from "./download_progress.ts";

Deno.test("a download is active until it is done, failed or cancelled", () => {
  for (const state of ["starting", "running", "waiting"] as const) assert.ok(isActive(state));
  for (const state of ["done", "failed", "cancelled"] as const) assert.ok(!isActive(state));
});

Deno.test("the ways of the sources count the reversed and relayed ones, leaving out zeros", () => {
  assert.deepEqual(waysSummary([]), {});
  const direct = [{ address: "10.0.0.1:1", way: "direct" as const }];
  assert.deepEqual(waysSummary(direct), { via: direct });
  const mixed = [
    ...direct,
    { address: "10.0.0.2:1", way: "reversed" as const },
    { address: "10.0.0.3:1", way: "relayed" as const },
    { address: "10.0.0.4:1", way: "relayed" as const },
  ];
  assert.deepEqual(waysSummary(mixed), { reversed: 1, relayed: 2, via: mixed });
});
