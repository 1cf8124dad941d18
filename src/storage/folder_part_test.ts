import assert from "node:assert/strict";
import { join } from "node:path";
import type { FolderEntry } from "../protocol/messages.ts";
import { tempDir } from "../test_dir.ts";
import { FolderPart, MAX_OPEN_FILES } from "./folder_part.ts";

const entries: FolderEntry[] = [
  { path: "a/one.bin", kind: "file", size: 5 },
  { path: "a/zero", kind: "file", size: 0 },
  { path: "b/run.sh", kind: "executable", size: 3 },
  { path: "empty", kind: "folder", size: 0 },
  { path: "long.bin", kind: "file", size: 10 },
];
/** The stream of `entries`: byte i is i + 1. */
const stream = Uint8Array.from({ length: 18 }, (_, i) => i + 1);
const CHUNK = 4;

/** Writes the chunks of `stream` of `CHUNK` bytes in `order` into `part`. */
async function writeChunks(part: FolderPart, data: Uint8Array, order: number[]): Promise<void> {
  for (const index of order) {
    await part.write(index * CHUNK, data.subarray(index * CHUNK, (index + 1) * CHUNK));
  }
}

Deno.test("chunks written in any order land in the staged files, which read back as the stream", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "stage");
  const part = await FolderPart.create(root, { entries });
  assert.equal((await Deno.stat(root)).mode! & 0o777, 0o700, "private until whole");
  assert.deepEqual(await Deno.readFile(join(root, "a/zero")), new Uint8Array(), "empty files");
  assert.ok((await Deno.stat(join(root, "empty"))).isDirectory, "empty folders");
  await writeChunks(part, stream, [4, 1, 3, 0, 2]);
  const back = new Uint8Array(stream.length);
  assert.equal(await part.read(0, back), stream.length);
  assert.deepEqual(back, stream);
  await part.checkWhole();
  await part.close();
  assert.deepEqual(await Deno.readFile(join(root, "a/one.bin")), stream.subarray(0, 5));
  assert.deepEqual(await Deno.readFile(join(root, "b/run.sh")), stream.subarray(5, 8));
  assert.deepEqual(await Deno.readFile(join(root, "long.bin")), stream.subarray(8));
  assert.equal((await Deno.stat(join(root, "b/run.sh"))).mode! & 0o777, 0o755);
  await assert.rejects(FolderPart.create(root, { entries }), Deno.errors.AlreadyExists);
});

Deno.test("what is not written yet reads short", async () => {
  await using dir = await tempDir();
  const part = await FolderPart.create(join(dir.path, "stage"), { entries });
  await writeChunks(part, stream, [0]);
  assert.equal(await part.read(0, new Uint8Array(CHUNK)), CHUNK);
  assert.equal(await part.read(CHUNK, new Uint8Array(CHUNK)), 0, "one.bin's last byte is not");
  await part.close();
});

Deno.test("one file staged alone keeps only its bytes; chunks it shares read short", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "one.partfile");
  const part = await FolderPart.create(path, { entries, only: "long.bin" });
  await writeChunks(part, stream, [4, 1, 2, 3]);
  assert.equal(await part.read(3 * CHUNK, new Uint8Array(CHUNK)), CHUNK, "inside the file");
  assert.equal(await part.read(CHUNK, new Uint8Array(CHUNK)), 0, "one.bin and run.sh are not kept");
  await part.checkWhole();
  await part.close();
  assert.deepEqual(await Deno.readFile(path), stream.subarray(8));
});

Deno.test("a staging folder taken up again loses what the tree does not expect, and must end whole", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "stage");
  const first = await FolderPart.create(root, { entries });
  await writeChunks(first, stream, [0, 3]);
  await first.close();
  await Deno.writeTextFile(join(root, "stray.txt"), "not in the tree");
  await Deno.symlink("/etc/hostname", join(root, "b/run.sh"));
  await Deno.writeFile(join(root, "a/one.bin"), new Uint8Array(9), { append: true });
  await Deno.remove(join(root, "empty"));
  await assert.rejects(
    FolderPart.resume(join(dir.path, "gone"), { entries }),
    Deno.errors.NotFound,
  );

  const again = await FolderPart.resume(root, { entries });
  assert.equal(again.resumed, true);
  const names = (path: string) => [...Deno.readDirSync(join(root, path))].map((e) => e.name).sort();
  assert.deepEqual(names(""), ["a", "b", "empty", "long.bin"]);
  assert.deepEqual(names("a"), ["zero"], "a file longer than the tree says is removed");
  assert.deepEqual(names("b"), [], "a link is removed, never followed");
  assert.equal(await again.read(3 * CHUNK, new Uint8Array(CHUNK)), CHUNK, "what was kept reads");
  await writeChunks(again, stream, [0, 1, 2]);
  await assert.rejects(again.checkWhole(), /long\.bin is not whole \(8 of 10 bytes\)/);
  await writeChunks(again, stream, [4]);
  await again.checkWhole();
  await Deno.truncate(join(root, "long.bin"), 3);
  await assert.rejects(again.checkWhole(), /long\.bin is not whole \(3 of 10 bytes\)/);
  await again.close();
});

Deno.test("more files spanning chunks than may stay open are written whole", async () => {
  await using dir = await tempDir();
  const count = MAX_OPEN_FILES * 2 + 3;
  const many: FolderEntry[] = Array.from({ length: count }, (_, i) => ({
    path: `f${String(i).padStart(4, "0")}`,
    kind: "file",
    size: 6,
  }));
  const data = Uint8Array.from({ length: count * 6 }, (_, i) => i % 251);
  const part = await FolderPart.create(join(dir.path, "stage"), { entries: many });
  const chunks = Math.ceil(data.length / CHUNK);
  const order = Array.from({ length: chunks }, (_, i) => (i * 7) % chunks);
  assert.equal(new Set(order).size, chunks);
  await writeChunks(part, data, order);
  await part.close();
  for (const [i, entry] of many.entries()) {
    const bytes = await Deno.readFile(join(dir.path, "stage", entry.path));
    assert.deepEqual(bytes, data.subarray(i * 6, i * 6 + 6), entry.path);
  }
});

Deno.test("a folder of a staging tree swapped for a link between runs is rebuilt, the link's target untouched", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "stage");
  const first = await FolderPart.create(root, { entries });
  await writeChunks(first, stream, [0, 1, 2, 3, 4]);
  await first.close();
  const outside = join(dir.path, "outside");
  await Deno.rename(join(root, "a"), outside);
  await Deno.symlink(outside, join(root, "a"));
  const before = await Deno.readFile(join(outside, "one.bin"));

  const again = await FolderPart.resume(root, { entries });
  assert.ok(Deno.lstatSync(join(root, "a")).isDirectory, "a real folder again, not the link");
  await writeChunks(again, stream, [0, 1, 2, 3, 4]);
  await again.checkWhole();
  await again.close();
  assert.deepEqual(await Deno.readFile(join(outside, "one.bin")), before, "nothing written there");
  assert.deepEqual([...Deno.readDirSync(outside)].map((e) => e.name).sort(), ["one.bin", "zero"]);
});

Deno.test({
  name:
    "a staging tree with a folder another user owns is refused on resume: that user could swap it mid-run",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await using dir = await tempDir();
    const root = join(dir.path, "stage");
    await (await FolderPart.create(root, { entries })).close();
    await Deno.chown(join(root, "b"), 65534, 65534);
    await assert.rejects(
      FolderPart.resume(root, { entries }),
      /stage\/b belongs to another user, so this program did not leave it: remove .*stage, then/,
    );
    await Deno.chown(join(root, "b"), 0, 0);
    await Deno.chown(root, 65534, 65534);
    await assert.rejects(FolderPart.resume(root, { entries }), /stage belongs to another user/);
    await Deno.chown(root, 0, 0);
    await (await FolderPart.resume(root, { entries })).close();
  },
});
