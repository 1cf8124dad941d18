import assert from "node:assert/strict";
import { join } from "node:path";
import type { Download } from "../peer/download.ts";
import type { ServedFile } from "../peer/library.ts";
import type { PeerNode } from "../peer/peer.ts";
import type { Manifest } from "../protocol/messages.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { tempDir } from "../test_dir.ts";
import { type Item, itemStream } from "./item_bytes.ts";
import { RateMeters } from "./views.ts";
import type { WebContext } from "./web_context.ts";

const BYTES = new TextEncoder().encode("0123456789");
const MANIFEST: Manifest = { name: "n.txt", size: 10, chunkSize: 4, chunkHashes: ["a", "b", "c"] };
const ITEM: Item = { fileId: "f1", manifest: MANIFEST, name: "n.txt", size: 10 };

/** A context whose peer serves what `peer` gives. */
function contextOf(peer: Partial<PeerNode>): WebContext {
  return {
    peer: peer as PeerNode,
    outDir: "/out",
    uploadDir: "/up",
    uploadLimit: 1,
    meters: new RateMeters(),
    urls: () => [],
    changed: () => {},
  };
}

/** A download in progress serving the chunks of `held`, read from BYTES. */
function partial(held: Bitfield, read?: () => void): ServedFile {
  return {
    fileId: "f1",
    manifest: MANIFEST,
    path: "/out/n.txt.part",
    chunks: held,
    record: undefined,
    read(index, target) {
      read?.();
      target.set(BYTES.subarray(index * 4, index * 4 + target.length));
      return Promise.resolve();
    },
    close() {},
  };
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

Deno.test("a file held whole is read from disk, by range", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "n.txt");
  await Deno.writeFile(path, BYTES);
  const whole = { ...partial(new Bitfield(3)), path, chunks: undefined };
  const context = contextOf({ served: () => whole });
  assert.equal(await text(itemStream(context, ITEM, { start: 0, end: 9 })), "0123456789");
  assert.equal(await text(itemStream(context, ITEM, { start: 3, end: 6 })), "3456");
});

Deno.test("a download's chunks stream in order as each is verified", async () => {
  const held = new Bitfield(3);
  held.set(2);
  const context = contextOf({ served: () => partial(held) });
  const reader = itemStream(context, ITEM, { start: 2, end: 9 }).getReader();
  const late = setTimeout(() => held.set(0), 60);
  const first = await reader.read();
  assert.equal(new TextDecoder().decode(first.value), "23", "chunk 0 waited for, cut at the range");
  setTimeout(() => held.set(1), 30);
  assert.equal(new TextDecoder().decode((await reader.read()).value), "4567");
  assert.equal(new TextDecoder().decode((await reader.read()).value), "89");
  assert.equal((await reader.read()).done, true);
  clearTimeout(late);
});

Deno.test("a chunk read that fails as the download ends is tried again from the whole file", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "n.txt");
  await Deno.writeFile(path, BYTES);
  let served: ServedFile = partial(Bitfield.full(3), () => {
    served = { ...served, path, chunks: undefined };
    throw new Error("Bad resource ID");
  });
  const context = contextOf({ served: () => served });
  assert.equal(await text(itemStream(context, ITEM, { start: 0, end: 9 })), "0123456789");
});

Deno.test("an item not held is downloaded in file order, then read where it landed", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "n.txt");
  await Deno.writeFile(path, BYTES);
  const asked: unknown[] = [];
  let state = "running";
  const download = {
    inside: undefined,
    progress: () => ({ state, path, message: undefined }),
  } as unknown as Download;
  const context = contextOf({
    served: () => undefined,
    download: (query, outDir, options) => {
      asked.push([query, outDir, options]);
      setTimeout(() => state = "done", 30);
      return Promise.resolve(download);
    },
  });
  assert.equal(await text(itemStream(context, ITEM, { start: 5, end: 9 })), "56789");
  assert.deepEqual(asked, [["f1", "/out", { inOrder: true }]]);
});

Deno.test("a download that fails fails the stream with its reason", async () => {
  const download = {
    inside: undefined,
    progress: () => ({ state: "failed", path: undefined, message: "no sources left" }),
  } as unknown as Download;
  const context = contextOf({
    served: () => undefined,
    download: () => Promise.resolve(download),
  });
  await assert.rejects(
    () => text(itemStream(context, ITEM, { start: 0, end: 9 })),
    /download of n.txt failed: no sources left/,
  );
});
