import assert from "node:assert/strict";
import { type HaveClock, HaveNotices, type HaveTimer } from "./have_notices.ts";

/** A clock moved by hand; timers fire when it passes them. */
function fakeClock(): HaveClock & { advance(ms: number): void; pending(): number } {
  let now = 1_000;
  let next = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = next++;
      timers.set(id, { at: now + ms, callback });
      return id as unknown as HaveTimer;
    },
    clearTimeout(timer) {
      timers.delete(timer as unknown as number);
    },
    advance(ms) {
      const until = now + ms;
      while (true) {
        const due = [...timers].filter(([, timer]) => timer.at <= until)
          .sort(([, a], [, b]) => a.at - b.at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}

function recorder(clock: HaveClock) {
  const sent: { at: number; fileId: string; chunks: number[] }[] = [];
  const notices = new HaveNotices(
    (fileId, chunks) => sent.push({ at: clock.now(), fileId, chunks }),
    { clock, gapMs: 20 },
  );
  return { sent, notices };
}

Deno.test("chunks slower than the gap are announced one by one, at once", () => {
  const clock = fakeClock();
  const { sent, notices } = recorder(clock);
  for (let index = 0; index < 3; index++) {
    notices.add("f", index);
    clock.advance(40);
  }
  assert.deepEqual(sent.map(({ at, chunks }) => [at, chunks]), [
    [1_000, [0]],
    [1_040, [1]],
    [1_080, [2]],
  ]);
  assert.equal(clock.pending(), 0);
});

Deno.test("chunks within the gap wait for its end and go in one notice", () => {
  const clock = fakeClock();
  const { sent, notices } = recorder(clock);
  notices.add("f", 0);
  clock.advance(5);
  notices.add("f", 1);
  clock.advance(5);
  notices.add("f", 2);
  assert.equal(sent.length, 1);
  clock.advance(10);
  assert.deepEqual(sent.map(({ at, chunks }) => [at, chunks]), [[1_000, [0]], [1_020, [1, 2]]]);
  // The next chunk is within the gap of that notice: it waits too.
  notices.add("f", 3);
  clock.advance(19);
  assert.equal(sent.length, 2);
  clock.advance(1);
  assert.deepEqual(sent[2], { at: 1_040, fileId: "f", chunks: [3] });
});

Deno.test("files have gaps of their own", () => {
  const clock = fakeClock();
  const { sent, notices } = recorder(clock);
  notices.add("a", 0);
  notices.add("b", 7);
  notices.add("a", 1);
  assert.deepEqual(sent.map(({ fileId, chunks }) => [fileId, chunks]), [["a", [0]], ["b", [7]]]);
  clock.advance(20);
  assert.deepEqual(sent[2], { at: 1_020, fileId: "a", chunks: [1] });
});

Deno.test("the end of a download sends what waits at once and forgets the file", () => {
  const clock = fakeClock();
  const { sent, notices } = recorder(clock);
  notices.add("a", 0);
  notices.add("a", 1);
  notices.add("b", 0);
  notices.add("b", 1);
  notices.end("a");
  assert.deepEqual(sent.at(-1), { at: 1_000, fileId: "a", chunks: [1] });
  assert.equal(clock.pending(), 1);
  // Forgotten: a new download of the same file announces its first chunk at once.
  notices.add("a", 5);
  assert.deepEqual(sent.at(-1), { at: 1_000, fileId: "a", chunks: [5] });
  notices.endAll();
  assert.deepEqual(sent.at(-1), { at: 1_000, fileId: "b", chunks: [1] });
  assert.equal(clock.pending(), 0);
  notices.end("nothing");
  assert.equal(sent.length, 5);
});
