import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { randomBytes } from "../../tests/helpers/bytes.ts";
import { hashFile } from "./hash_file.ts";
import { computeFileId } from "./manifest.ts";
import { tempDir } from "../test_dir.ts";

const CHUNK = 1024;

function expectedHashes(bytes: Uint8Array, chunkSize: number): string[] {
  const hashes: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    hashes.push(
      createHash("sha256").update(bytes.subarray(offset, offset + chunkSize)).digest("hex"),
    );
  }
  return hashes;
}

Deno.test("hashFile builds the manifest of empty, tiny and uneven files", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  for (const size of [0, 1, CHUNK, 3 * CHUNK + 17]) {
    const path = join(dir, `f${size}.bin`);
    const bytes = randomBytes(size);
    await Deno.writeFile(path, bytes);
    const progress: number[] = [];
    const hashed = await hashFile(path, {
      chunkSize: CHUNK,
      onProgress: (p) => progress.push(p.bytesDone),
    });
    assert.equal(hashed.manifest.name, `f${size}.bin`);
    assert.equal(hashed.manifest.size, size);
    assert.deepEqual(hashed.manifest.chunkHashes, expectedHashes(bytes, CHUNK));
    assert.equal(hashed.fileId, await computeFileId(hashed.manifest));
    assert.equal(progress.at(-1) ?? 0, size);
    assert.equal(hashed.mtimeMs, (await Deno.stat(path)).mtime!.getTime());
  }
});

Deno.test("hashFile refuses folders and missing files", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await assert.rejects(hashFile(dir), /not a regular file/);
  await assert.rejects(hashFile(join(dir, "missing")), Deno.errors.NotFound);
});

Deno.test("hashing stops when aborted", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const path = join(dir, "f.bin");
  await Deno.writeFile(path, randomBytes(10 * CHUNK));
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(hashFile(path, { chunkSize: CHUNK, signal: controller.signal }));
});
