import assert from "node:assert/strict";
import { join } from "node:path";
import { Bitfield } from "../storage/bitfield.ts";
import { hashFile } from "../storage/hash_file.ts";
import { PartFile } from "../storage/part_file.ts";
import { heldChunks, Library, partialFile, sharedEntry, sharedFile } from "./library.ts";
import { tempDir } from "../test_dir.ts";

Deno.test("the library serves whole files and only the verified chunks of partial ones", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const path = join(dir, "whole.bin");
  await Deno.writeFile(path, new Uint8Array([1, 2, 3, 4, 5]));
  const hashed = await hashFile(path, { chunkSize: 2 });
  const library = new Library();
  library.put(sharedFile({ path, ...hashed }));
  const whole = library.get(hashed.fileId)!;
  assert.equal(heldChunks(whole).count, 3);
  const target = new Uint8Array(1);
  await whole.read(2, target);
  assert.deepEqual([...target], [5]);

  const part = await PartFile.create(join(dir, "partial.bin"), 5);
  await part.write(2, new Uint8Array([3, 4]));
  const chunks = new Bitfield(3);
  chunks.set(1);
  const partial = partialFile("e".repeat(64), { manifest: hashed.manifest, part, chunks });
  library.put(partial);
  const two = new Uint8Array(2);
  await partial.read(1, two);
  assert.deepEqual([...two], [3, 4]);
  await assert.rejects(partial.read(0, new Uint8Array(2)), /not downloaded yet/);
  assert.deepEqual(sharedEntry(whole), { fileId: hashed.fileId, manifest: hashed.manifest });
  assert.equal(sharedEntry(partial).chunks, chunks.toBase64(), "a partial file tells its chunks");
  assert.equal(whole.record?.path, path, "a whole file is remembered");
  assert.equal(partial.record, undefined, "a download is not");

  assert.equal(library.search("").length, 2);
  assert.equal(library.search(hashed.fileId.slice(0, 6)).length, 1);
  assert.equal(library.search("WHOLE.BIN").length, 2, "names match case-insensitively");
  assert.equal(library.search("nothing").length, 0);
  library.remove(hashed.fileId);
  assert.equal(library.list().length, 1);
  library.close();
  await part.close();
});
