import assert from "node:assert/strict";
import { RATE_LIMIT_LOG_INTERVAL_MS } from "./constants.ts";
import { createLogger } from "../log.ts";
import type { Connection } from "../protocol/connection.ts";
import { RateRefusals } from "./rate_refusals.ts";

Deno.test("refusals are answered, logged once at first, then counted once per interval", async () => {
  const lines: string[] = [];
  const refusals = new RateRefusals(
    { perSecond: 5, burst: 10 },
    createLogger("t", { sink: (line) => lines.push(line) }),
  );
  const answered: unknown[] = [];
  const connection = {
    remoteId: "peer1",
    remote: "10.0.0.1:5",
    replyError: (re: number, error: unknown) => {
      answered.push({ re, error });
      return Promise.resolve();
    },
  } as unknown as Connection;
  await refusals.refuse(connection, { t: "lookup", id: 7 }, 0);
  await refusals.refuse(connection, { t: "heartbeat" }, 1);
  await refusals.refuse(connection, { t: "sources", id: 8 }, 2);
  assert.equal(answered.length, 2, "a notification is dropped unanswered");
  assert.match(JSON.stringify(answered[0]), /rate-limited.*takes 5 a second \(bursts of 10\)/);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /peer peer1 \(10\.0\.0\.1:5\) sends more than 5 requests a second/);
  refusals.sweep(RATE_LIMIT_LOG_INTERVAL_MS - 1);
  assert.equal(lines.length, 1);
  refusals.sweep(RATE_LIMIT_LOG_INTERVAL_MS);
  assert.match(lines[1], /peer peer1: 2 more requests refused over the rate/);
  refusals.sweep(2 * RATE_LIMIT_LOG_INTERVAL_MS);
  refusals.sweep(3 * RATE_LIMIT_LOG_INTERVAL_MS);
  assert.equal(lines.length, 2, "a quiet interval logs nothing and forgets the peer");
  await refusals.refuse(connection, { t: "lookup", id: 9 }, 3 * RATE_LIMIT_LOG_INTERVAL_MS);
  assert.equal(lines.length, 3, "a forgotten peer's next refusal is logged at once");
});
