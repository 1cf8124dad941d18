import assert from "node:assert/strict";
import { MAX_REQUEST_BURST, MAX_REQUESTS_PER_SECOND, SOURCE_REFRESH_MS } from "../constants.ts";
import { RequestRate } from "./request_rate.ts";

function takes(rate: RequestRate, count: number, now: number): number {
  let taken = 0;
  for (let i = 0; i < count; i++) if (rate.take(now)) taken++;
  return taken;
}

Deno.test("a request rate allows a burst, then refills at its rate up to the burst", () => {
  const rate = new RequestRate(0, { perSecond: 10, burst: 20 });
  assert.equal(takes(rate, 25, 0), 20, "the burst, then refusals");
  assert.equal(takes(rate, 5, 250), 2, "a quarter second brings 2.5 tokens");
  assert.equal(takes(rate, 100, 100_000), 20, "a long pause fills it to the burst, no more");
  assert.equal(takes(rate, 1, 50_000), 0, "a clock going back gives nothing");
});

Deno.test("the default rate lets a busy honest peer through all day", () => {
  const rate = new RequestRate(0);
  assert.equal(takes(rate, MAX_REQUEST_BURST + 10, 0), MAX_REQUEST_BURST);
  const busy = new RequestRate(0);
  const downloads = 20;
  const havesPerTick = 22; // 220 verified chunks a second at 880 MiB/s
  let refused = 0;
  for (let now = 0; now < 60_000; now += SOURCE_REFRESH_MS) {
    refused += downloads + havesPerTick - takes(busy, downloads + havesPerTick, now);
  }
  assert.equal(refused, 0);
  assert.ok((downloads + havesPerTick) * 1_000 / SOURCE_REFRESH_MS < MAX_REQUESTS_PER_SECOND);
});
