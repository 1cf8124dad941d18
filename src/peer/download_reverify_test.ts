import assert from "node:assert/strict";
import type { Manifest } from "../protocol/messages.ts";
import { sha256Hex } from "../storage/manifest.ts";
import type { ChunkStore } from "../storage/part_file.ts";
import { reverifyChunks } from "./download_reverify.ts";
import { Scheduler } from "./scheduler.ts";

const CHUNK = 4;

/** A `.part` in memory holding `bytes` (a short read past their end). */
function memoryPart(bytes: Uint8Array): ChunkStore {
  return {
    path: "memory.part",
    write: () => Promise.resolve(),
    read: (offset, target) => {
      const slice = bytes.subarray(offset, offset + target.length);
      target.set(slice);
      return Promise.resolve(slice.length);
    },
    close: () => Promise.resolve(),
  };
}

/** Hashes on the main thread, as the worker does. */
const hasher = {
  hash: async (data: Uint8Array) => ({ hash: await sha256Hex(data), data }),
};

async function manifestOf(bytes: Uint8Array): Promise<Manifest> {
  const chunkHashes: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK) {
    chunkHashes.push(await sha256Hex(bytes.subarray(offset, offset + CHUNK)));
  }
  return { name: "file.bin", size: bytes.length, chunkSize: CHUNK, chunkHashes };
}

Deno.test("only the recorded chunks that still hash right are taken as done", async () => {
  const original = crypto.getRandomValues(new Uint8Array(CHUNK * 3 + 2));
  const manifest = await manifestOf(original);
  const changed = original.slice(0, CHUNK * 3 + 1);
  changed[CHUNK] ^= 1;
  const scheduler = new Scheduler(manifest.chunkHashes.length);
  const signal = new AbortController().signal;
  const bytes = await reverifyChunks(memoryPart(changed), [0, 0, 1, 2, 3, 9], {
    manifest,
    scheduler,
    hasher,
    signal,
  });
  assert.deepEqual([...scheduler.done.indexes()], [0, 2], "1 changed, 3 cut short, 9 past the end");
  assert.equal(bytes, CHUNK * 2);
});

Deno.test("re-verifying stops when aborted", async () => {
  const original = new Uint8Array(CHUNK * 2);
  const manifest = await manifestOf(original);
  const controller = new AbortController();
  controller.abort(new Error("cancelled"));
  await assert.rejects(
    reverifyChunks(memoryPart(original), [0, 1], {
      manifest,
      scheduler: new Scheduler(2),
      hasher,
      signal: controller.signal,
    }),
    /cancelled/,
  );
});
