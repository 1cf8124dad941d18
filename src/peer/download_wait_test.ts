import assert from "node:assert/strict";
import { bannedFailure, BannedWatch, waitingMessage } from "./download_wait.ts";

Deno.test("the waiting message says whether peers are banned, missing, or lack chunks", () => {
  assert.match(waitingMessage(true, 0), /banned/);
  assert.equal(waitingMessage(false, 0), "waiting for a peer that has this file");
  assert.equal(waitingMessage(false, 2), "waiting for a peer that has the missing chunks");
});

Deno.test("only banned sources for the give-up time, without a break, expire", () => {
  const watch = new BannedWatch(1000);
  assert.equal(watch.expired(true, 0), false);
  assert.equal(watch.expired(true, 999), false);
  assert.equal(watch.expired(false, 1000), false, "an honest source came");
  assert.equal(watch.expired(true, 1500), false, "the clock starts again");
  assert.equal(watch.expired(true, 2500), true);
});

Deno.test("a download given up on banned peers says nothing was saved and what to do", () => {
  assert.match(bannedFailure("a.bin"), /^every peer that has a\.bin sent chunks that failed/);
  assert.match(
    bannedFailure("a.bin"),
    /nothing was saved: have the file shared by a peer you trust/,
  );
});
