import assert from "node:assert/strict";
import { RelayBudget } from "./relay_limits.ts";

const limits = { peerBytesPerSecond: 1000, totalBytesPerSecond: 3000, links: 2 };

Deno.test("relay budget: links past the cap are refused until one closes", () => {
  const budget = new RelayBudget(limits, 0);
  assert.deepEqual([budget.openLink(), budget.openLink(), budget.openLink()], [true, true, false]);
  budget.closeLink();
  assert.deepEqual(budget.openLink(), true);
  assert.deepEqual(budget.links, 2);
});

Deno.test("relay budget: one peer's bytes past its rate wait for the debt", () => {
  const budget = new RelayBudget(limits, 0);
  assert.deepEqual(budget.pass(["a", "b"], 1000, 0), 0);
  assert.deepEqual(budget.pass(["a", "b"], 500, 0), 500);
  // Half a second later the debt is paid, and the next bytes wait again.
  assert.deepEqual(budget.pass(["a", "b"], 500, 500), 500);
  // Another pair of peers has its own budget.
  assert.deepEqual(budget.pass(["c", "d"], 1000, 500), 0);
});

Deno.test("relay budget: the total rate caps all links together", () => {
  const budget = new RelayBudget({ ...limits, totalBytesPerSecond: 1500 }, 0);
  assert.deepEqual(budget.pass(["a", "b"], 1000, 0), 0);
  assert.deepEqual(budget.pass(["c", "d"], 1000, 0), 1000 / 3);
});
