import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../test_dir.ts";
import type { ApiError } from "./api_errors.ts";
import { receive } from "./upload.ts";

function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(pieces.map((piece) => encoder.encode(piece)));
}

Deno.test("receive writes the body under the name, then under numbered names", async () => {
  await using dir = await tempDir();
  const place = { dir: join(dir.path, "up"), name: "a.txt", limit: 100 };
  assert.equal(await receive(body("hel", "lo"), place), join(place.dir, "a.txt"));
  assert.equal(await receive(body("again"), place), join(place.dir, "a (1).txt"));
  assert.equal(await Deno.readTextFile(join(place.dir, "a.txt")), "hello");
  assert.equal(await Deno.readTextFile(join(place.dir, "a (1).txt")), "again");
  assert.deepEqual((await Array.fromAsync(Deno.readDir(place.dir))).length, 2);
});

Deno.test("receive refuses a body past the limit and leaves nothing behind", async () => {
  await using dir = await tempDir();
  const place = { dir: dir.path, name: "big.bin", limit: 5 };
  await assert.rejects(
    () => receive(body("abc", "def"), place),
    (error: ApiError) => error.status === 413 && /web-upload-limit/.test(error.message),
  );
  assert.deepEqual(await Array.fromAsync(Deno.readDir(dir.path)), []);
});
