import assert from "node:assert/strict";
import { join } from "node:path";
import { WRITE_PIECE_BYTES } from "./constants.ts";
import { PartFile } from "./part_file.ts";
import { tempDir } from "../test_dir.ts";

Deno.test("chunks written out of order end up in place, under the final name only at the end", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const final = join(dir, "f.bin");
  const part = await PartFile.create(final, 10);
  assert.equal(part.path, `${final}.part`);
  await Promise.all([
    part.write(6, new Uint8Array([7, 8, 9, 10])),
    part.write(0, new Uint8Array([1, 2, 3])),
    part.write(3, new Uint8Array([4, 5, 6])),
  ]);
  const back = new Uint8Array(3);
  assert.equal(await part.read(3, back), 3);
  assert.deepEqual([...back], [4, 5, 6]);
  await assert.rejects(Deno.stat(final));
  await part.finish(final);
  assert.deepEqual([...await Deno.readFile(final)], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  await assert.rejects(Deno.stat(`${final}.part`), "the .part file is gone");
});

Deno.test("finish never replaces an existing file, keeps the .part, and can try another name", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const final = join(dir, "f.bin");
  const part = await PartFile.create(final, 2);
  await part.write(0, new Uint8Array([1, 2]));
  await Deno.writeTextFile(final, "precious");
  await assert.rejects(part.finish(final), Deno.errors.AlreadyExists);
  assert.equal(await Deno.readTextFile(final), "precious");
  assert.deepEqual([...await Deno.readFile(`${final}.part`)], [1, 2]);
  await Deno.writeTextFile(join(dir, "f (1).bin"), "also precious");
  const names = [final, join(dir, "f (1).bin"), join(dir, "f (2).bin")];
  assert.equal(await part.finishAtFirstFree(names), join(dir, "f (2).bin"));
  assert.deepEqual([...await Deno.readFile(join(dir, "f (2).bin"))], [1, 2]);
  assert.equal(await Deno.readTextFile(join(dir, "f (1).bin")), "also precious");
});

Deno.test("with every name taken, finishAtFirstFree says so and keeps the .part", async () => {
  await using tmp = await tempDir();
  const final = join(tmp.path, "f.bin");
  const part = await PartFile.create(final, 1);
  await Deno.writeTextFile(final, "x");
  assert.equal(await part.finishAtFirstFree([final]), undefined);
  assert.equal((await Deno.stat(`${final}.part`)).size, 1);
});

Deno.test("resuming a .part keeps what was written; one that is gone is not made up", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const final = join(dir, "f.bin");
  const first = await PartFile.create(final, 4);
  await first.write(0, new Uint8Array([9, 9]));
  assert.equal(await first.size(), 4);
  await first.close();
  const again = await PartFile.resume(final, 4);
  const back = new Uint8Array(4);
  await again.read(0, back);
  assert.deepEqual([...back], [9, 9, 0, 0]);
  await again.close();
  await Deno.remove(`${final}.part`);
  await assert.rejects(PartFile.resume(final, 4), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(`${final}.part`), Deno.errors.NotFound);
});

Deno.test("a .part already there is never opened, truncated or replaced", async () => {
  await using tmp = await tempDir();
  const final = join(tmp.path, "f.bin");
  await Deno.writeTextFile(`${final}.part`, "someone else's unfinished work");
  await assert.rejects(PartFile.create(final, 4), Deno.errors.AlreadyExists);
  assert.equal(await Deno.readTextFile(`${final}.part`), "someone else's unfinished work");
});

Deno.test("two .part files finishing at the same path at once: one gets it, the other does not", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const final = join(dir, "same.bin");
  const a = await PartFile.create(join(dir, "a"), 1);
  const b = await PartFile.create(join(dir, "b"), 1);
  await Promise.all([a.write(0, new Uint8Array([1])), b.write(0, new Uint8Array([2]))]);
  const ends = await Promise.all(
    [a, b].map((part) => part.finishAtFirstFree([final, join(dir, "same (1).bin")])),
  );
  assert.deepEqual(ends.toSorted(), [final, join(dir, "same (1).bin")].toSorted());
  const contents = [await Deno.readFile(ends[0]!), await Deno.readFile(ends[1]!)];
  assert.deepEqual(contents.map((bytes) => [...bytes]), [[1], [2]]);
});

Deno.test("a write larger than one write piece lands whole, at its offset", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const final = join(dir, "f.bin");
  const length = 2 * WRITE_PIECE_BYTES + 3;
  const data = Uint8Array.from({ length }, (_, i) => (i * 7) % 251);
  const part = await PartFile.create(final, length + 5);
  await part.write(5, data);
  await part.finish(final);
  const back = await Deno.readFile(final);
  assert.deepEqual([...back.subarray(0, 5)], [0, 0, 0, 0, 0]);
  assert.deepEqual(back.subarray(5), data);
});
