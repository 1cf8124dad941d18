import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { tempDir } from "../test_dir.ts";
import { closeReceiverState, itemsKey, openReceiverState, resumePoints } from "./receiver_state.ts";

const HASH = "a".repeat(64);
const manifest = { name: "m.bin", size: 8, chunkSize: 4, chunkHashes: [HASH, HASH] };
const [A, B] = ["a".repeat(64), "b".repeat(64)];

function recordingLog() {
  const lines: string[] = [];
  return { lines, log: createLogger("get", { sink: (line) => lines.push(line) }) };
}

Deno.test("the same items name the same folder in any order; other items another", async () => {
  assert.equal(await itemsKey([A, B]), await itemsKey([B, A]));
  assert.notEqual(await itemsKey([A]), await itemsKey([A, B]));
  assert.match(await itemsKey([A]), /^[0-9a-f]{32}$/);
});

Deno.test("a get resumes what an earlier one left in the same folder, and nothing elsewhere", async () => {
  await using dir = await tempDir();
  const { log } = recordingLog();
  const first = (await openReceiverState(dir.path, { fileIds: [A, B], log }))!;
  await first.beginDownload({ fileId: A, manifest, path: "/out/m.bin" }, [1]);
  await first.beginDownload({ fileId: B, manifest, path: "/elsewhere/m.bin" }, [0]);
  await closeReceiverState(first);
  const again = (await openReceiverState(dir.path, { fileIds: [B, A], log }))!;
  assert.deepEqual(
    [...(await resumePoints(again, "/out")).entries()],
    [[A, { path: "/out/m.bin", chunks: [1] }]],
  );
  await again.endDownload(A);
  await closeReceiverState(again);
  assert.equal([...Deno.readDirSync(dir.path)].length, 1, "an unfinished download is kept");
});

Deno.test("a get that has everything removes its folder", async () => {
  await using dir = await tempDir();
  const { log } = recordingLog();
  const state = (await openReceiverState(dir.path, { fileIds: [A], log }))!;
  await state.beginDownload({ fileId: A, manifest, path: "/out/m.bin" }, []);
  await state.endDownload(A);
  await closeReceiverState(state);
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
});

Deno.test("a second get of the same items while one runs keeps nothing, and says so", async () => {
  await using dir = await tempDir();
  const { lines, log } = recordingLog();
  const running = (await openReceiverState(dir.path, { fileIds: [A], log }))!;
  try {
    assert.equal(await openReceiverState(dir.path, { fileIds: [A], log }), undefined);
    assert.match(
      lines.join("\n"),
      /another get of the same items is running: this one keeps nothing/,
    );
    const other = await openReceiverState(dir.path, { fileIds: [B], log });
    assert.ok(other, "other items have a folder of their own");
    await closeReceiverState(other);
  } finally {
    await closeReceiverState(running);
  }
});
