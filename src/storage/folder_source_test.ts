import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../test_dir.ts";
import { FolderSource } from "./folder_source.ts";
import { hashFolder } from "./hash_folder.ts";
import { chunkLength } from "./manifest.ts";

const KIB = 1024;

/** A tree of a small file, a large one (read asynchronously) and another small one. */
async function makeTree(root: string): Promise<Uint8Array> {
  const parts = [new Uint8Array(5 * KIB), new Uint8Array(200 * KIB), new Uint8Array(3 * KIB)];
  parts.forEach((part, i) => part.forEach((_, j) => part[j] = (i * 31 + j * 7) % 251));
  await Deno.mkdir(join(root, "b"), { recursive: true });
  await Deno.writeFile(join(root, "a.bin"), parts[0]);
  await Deno.writeFile(join(root, "b/large.bin"), parts[1]);
  await Deno.writeFile(join(root, "c.bin"), parts[2]);
  const stream = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    stream.set(part, offset);
    offset += part.length;
  }
  return stream;
}

Deno.test("chunks that start inside small and large files read the stream's bytes", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "tree");
  const stream = await makeTree(root);
  const chunkSize = 3 * KIB + 5;
  const hashed = await hashFolder(root, { chunkSize });
  const source = new FolderSource(root, hashed);
  for (let index = 0; index < hashed.manifest.chunkHashes.length; index++) {
    const target = new Uint8Array(chunkLength(hashed.manifest, index));
    await source.readChunk(index, target);
    assert.deepEqual(target, stream.subarray(index * chunkSize, index * chunkSize + target.length));
  }
});

Deno.test("a file modified, shrunk or removed since hashing is not read as intact", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "tree");
  await makeTree(root);
  const hashed = await hashFolder(root, { chunkSize: 64 * KIB });
  const source = new FolderSource(root, hashed);
  const chunk = () => new Uint8Array(chunkLength(hashed.manifest, 0));
  const later = new Date(hashed.mtimeMs + 5_000);
  await Deno.utime(join(root, "a.bin"), later, later);
  await assert.rejects(source.readChunk(0, chunk()), /a\.bin was modified/);
  await Deno.truncate(join(root, "b/large.bin"), 100);
  await Deno.utime(join(root, "a.bin"), new Date(hashed.mtimeMs), new Date(hashed.mtimeMs));
  await assert.rejects(source.readChunk(0, chunk()), /large\.bin changed size \(100 bytes now\)/);
  await Deno.remove(join(root, "a.bin"));
  await assert.rejects(source.readChunk(0, chunk()), /a\.bin was removed/);
});
