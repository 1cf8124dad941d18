import assert from "node:assert/strict";
import { join } from "node:path";
import { MIN_CHUNK_SIZE } from "../constants.ts";
import { tempDir } from "../test_dir.ts";
import { FolderSource } from "./folder_source.ts";
import { hashFolder } from "./hash_folder.ts";
import { chunkCount, chunkLength } from "./manifest.ts";

const CHUNK = 7;

async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(join(root, "sub/deeper"), { recursive: true });
  await Deno.mkdir(join(root, "empty"));
  await Deno.writeTextFile(join(root, "a.txt"), "hello world");
  await Deno.writeTextFile(join(root, ".hidden"), "h");
  await Deno.writeTextFile(join(root, "sub/zero"), "");
  await Deno.writeTextFile(join(root, "sub/deeper/run.sh"), "#!/bin/sh\n", { mode: 0o755 });
  await Deno.chmod(join(root, "sub/deeper/run.sh"), 0o755);
}

Deno.test("a folder's manifest lists its tree in byte order, hidden files and empty ones kept", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "tree");
  await makeTree(root);
  await Deno.symlink("/etc/passwd", join(root, "sub/link"));
  const skipped: string[] = [];
  const hashed = await hashFolder(root, { chunkSize: CHUNK, onSkip: (m) => skipped.push(m) });
  assert.equal(hashed.manifest.name, "tree");
  assert.deepEqual(hashed.manifest.entries, [
    { path: ".hidden", kind: "file", size: 1 },
    { path: "a.txt", kind: "file", size: 11 },
    { path: "empty", kind: "folder", size: 0 },
    { path: "sub/deeper/run.sh", kind: "executable", size: 10 },
    { path: "sub/zero", kind: "file", size: 0 },
  ]);
  assert.equal(hashed.manifest.size, 22);
  assert.equal(hashed.manifest.chunkHashes.length, 4);
  assert.match(skipped[0], /symlink .*link/);
});

Deno.test("the same tree has the same ID wherever it lies and whatever it is called", async () => {
  await using dir = await tempDir();
  await makeTree(join(dir.path, "one"));
  await makeTree(join(dir.path, "two"));
  const one = await hashFolder(join(dir.path, "one"), { chunkSize: CHUNK });
  const two = await hashFolder(join(dir.path, "two"), { chunkSize: CHUNK });
  assert.equal(one.fileId, two.fileId);
  await Deno.chmod(join(dir.path, "two/sub/deeper/run.sh"), 0o644);
  const changed = await hashFolder(join(dir.path, "two"), { chunkSize: CHUNK });
  assert.notEqual(changed.fileId, one.fileId, "the executable bit is part of the ID");
});

Deno.test("chunks of a folder's stream are read across file boundaries", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "tree");
  await makeTree(root);
  const hashed = await hashFolder(root, { chunkSize: CHUNK });
  const source = new FolderSource(root, hashed);
  const stream = new TextEncoder().encode("h" + "hello world" + "#!/bin/sh\n");
  for (let index = 0; index < hashed.manifest.chunkHashes.length; index++) {
    const target = new Uint8Array(chunkLength(hashed.manifest, index));
    await source.readChunk(index, target);
    assert.deepEqual(target, stream.subarray(index * CHUNK, index * CHUNK + target.length));
  }
  await Deno.writeTextFile(join(root, "a.txt"), "HELLO");
  await assert.rejects(source.readChunk(0, new Uint8Array(CHUNK)), /changed size/);
});

Deno.test("a folder is cut into chunks by the size of its whole stream, not of each file", async () => {
  await using dir = await tempDir();
  const root = join(dir.path, "tree");
  await Deno.mkdir(root);
  // Two sparse files (cheap to make) of 200 and 100 MiB: each alone would get 1 MiB chunks,
  // the 300 MiB stream gets 2 MiB ones.
  const sizes = [200 * MIN_CHUNK_SIZE, 100 * MIN_CHUNK_SIZE];
  for (const [i, size] of sizes.entries()) {
    using file = await Deno.open(join(root, `f${i}.bin`), { create: true, write: true });
    await file.truncate(size);
  }
  const { manifest } = await hashFolder(root);
  assert.equal(manifest.size, 300 * MIN_CHUNK_SIZE);
  assert.equal(manifest.chunkSize, 2 * MIN_CHUNK_SIZE);
  assert.equal(manifest.chunkHashes.length, chunkCount(manifest.size, 2 * MIN_CHUNK_SIZE));
});

Deno.test("a tree with a name others would refuse cannot be shared", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "tree"));
  await Deno.writeTextFile(join(dir.path, "tree/a\\b"), "x");
  await assert.rejects(hashFolder(join(dir.path, "tree")), /refusing entry "a\\b"/);
});
