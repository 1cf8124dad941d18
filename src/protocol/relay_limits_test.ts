import assert from "node:assert/strict";
import { RelayBudget } from "./relay_limits.ts";

const limits = { peerBytesPerSecond: 1000, totalBytesPerSecond: 3000, links: 2, linksPerPeer: 1 };

Deno.test("relay budget: links past the cap are refused until one closes", () => {
  const budget = new RelayBudget(limits, 0);
  assert.deepEqual(
    [budget.openLink(["a", "b"]), budget.openLink(["c", "d"]), budget.openLink(["e", "f"])],
    [true, true, false],
  );
  budget.closeLink(["c", "d"]);
  assert.deepEqual(budget.openLink(["e", "f"]), true);
  assert.deepEqual(budget.links, 2);
});

Deno.test("relay budget: one peer takes part in at most its share of links", () => {
  const budget = new RelayBudget({ ...limits, links: 10, linksPerPeer: 2 }, 0);
  assert.deepEqual(
    [budget.openLink(["a", "b"]), budget.openLink(["a", "c"]), budget.openLink(["d", "a"])],
    [true, true, false],
  );
  assert.deepEqual(budget.openLink(["d", "e"]), true, "others are not held back");
  budget.closeLink(["a", "b"]);
  assert.deepEqual(budget.openLink(["d", "a"]), true);
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
