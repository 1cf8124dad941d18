import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { silentLogger } from "../log.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { folderFile } from "../storage/folder_file.ts";
import { hashFile } from "../storage/hash_file.ts";
import { hashFolder } from "../storage/hash_folder.ts";
import { tempDir } from "../test_dir.ts";
import { DownloadOutput, localCopyPath } from "./download_output.ts";

const CHUNK = 16;

Deno.test("this peer's shared copy counts while it is there; for one file, the file inside it", async () => {
  await using dir = await tempDir();
  const tree = join(dir.path, "tree");
  await Deno.mkdir(join(tree, "sub"), { recursive: true });
  await Deno.writeTextFile(join(tree, "sub", "a.txt"), "hello");
  const { manifest } = await hashFolder(tree, { chunkSize: CHUNK });
  const { file, entry } = folderFile(manifest, "sub/a.txt");
  assert.equal(await localCopyPath(undefined), undefined);
  assert.equal(await localCopyPath(tree), tree);
  assert.equal(await localCopyPath(tree, { file, entry }), join(tree, "sub", "a.txt"));
  await Deno.remove(join(tree, "sub", "a.txt"));
  assert.equal(await localCopyPath(tree, { file, entry }), undefined, "gone: not a copy");
});

Deno.test("a file's output finds the same file there, else writes a .part and renames it", async () => {
  await using dir = await tempDir();
  const source = join(dir.path, "data.bin");
  await Deno.writeFile(source, new Uint8Array(40).fill(7));
  const { manifest, fileId } = await hashFile(source, { chunkSize: CHUNK });
  const outDir = join(dir.path, "out");
  await Deno.mkdir(outDir);
  const place = { outDir, fileId, manifest, selfId: "me", log: silentLogger() };
  const output = new DownloadOutput(place);
  assert.equal(output.name, "data.bin");
  assert.equal(await output.findPresent(), undefined);
  const { path, part, resumed } = await output.open();
  assert.deepEqual({ path, resumed }, { path: join(outDir, "data.bin"), resumed: false });
  await part.write(0, new Uint8Array(40).fill(7));
  const done = Bitfield.full(manifest.chunkHashes.length);
  assert.equal(await output.finish(part, done), join(outDir, "data.bin"));
  await part.close();
  assert.equal(await new DownloadOutput(place).findPresent(), join(outDir, "data.bin"));
});

Deno.test("a folder's output stages the tree, and finds a folder that holds it already", async () => {
  await using dir = await tempDir();
  const tree = join(dir.path, "tree");
  await Deno.mkdir(tree);
  await Deno.writeTextFile(join(tree, "a.txt"), "hello");
  const { manifest, fileId } = await hashFolder(tree, { chunkSize: CHUNK });
  const place = { outDir: dir.path, fileId, manifest, selfId: "me", log: silentLogger() };
  assert.equal(await new DownloadOutput(place).findPresent(), tree);
  const outDir = join(dir.path, "out");
  await Deno.mkdir(outDir);
  const output = new DownloadOutput({ ...place, outDir });
  assert.equal(await output.findPresent(), undefined);
  const { path, part } = await output.open();
  try {
    assert.equal(path, join(outDir, "tree"));
    assert.notEqual(basename(part.path), "tree", "staged under another name");
  } finally {
    await part.close();
  }
});
