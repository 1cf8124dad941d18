import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { MAX_FILE_NAME_BYTES } from "../constants.ts";
import { tempDir } from "../test_dir.ts";
import { hashFile } from "./hash_file.ts";
import {
  candidatePaths,
  findPresent,
  freePath,
  numberedName,
  partPath,
  pathExists,
  resolveInside,
  sanitizeFileName,
} from "./safe_name.ts";

Deno.test("names from the network lose any path and dangerous characters", () => {
  const cases: [string, string][] = [
    ["../../etc/passwd", "passwd"],
    ["/abs/path/file.txt", "file.txt"],
    ["a/../b", "b"],
    ["C:\\windows\\system32\\evil.dll", "evil.dll"],
    ["..", "download"],
    [".", "download"],
    ["", "download"],
    ["///", "download"],
    ["bell\u0007and\nnewline.txt", "bell_and_newline.txt"],
    ['what?<>:"|*.txt', "what_______.txt"],
    ["CON", "_CON"],
    ["lpt1.txt", "_lpt1.txt"],
    ["trailing dots...", "trailing dots"],
    ["normal name (1).tar.gz", "normal name (1).tar.gz"],
  ];
  for (const [input, expected] of cases) assert.equal(sanitizeFileName(input), expected, input);
});

Deno.test("long UTF-8 names are trimmed to the limit, keeping the extension", () => {
  const name = sanitizeFileName("é".repeat(400) + ".mkv");
  assert.ok(new TextEncoder().encode(name).length <= MAX_FILE_NAME_BYTES);
  assert.ok(name.endsWith(".mkv"));
});

Deno.test("resolveInside refuses anything outside the folder", () => {
  assert.equal(resolveInside("/tmp/out", "a.txt"), resolve("/tmp/out/a.txt"));
  assert.equal(resolveInside("/", "a.txt"), resolve("/a.txt"), "the root is a folder too");
  for (const name of ["../a.txt", "/etc/passwd", "sub/a.txt", "", ".", "..", "a.txt/"]) {
    assert.throws(() => resolveInside("/tmp/out", name), /would land outside/, name);
  }
});

Deno.test("every path a download is given goes through the guard", () => {
  assert.throws(() => [...candidatePaths("/tmp/out", "../evil")], /would land outside/);
  assert.equal(partPath("/tmp/out/a.txt"), resolve("/tmp/out/a.txt.part"));
});

Deno.test("numbered names go before the extension; freePath skips taken names", async () => {
  assert.equal(numberedName("a.txt", 1), "a (1).txt");
  assert.equal(numberedName("archive", 2), "archive (2)");
  await using tmp = await tempDir();
  const dir = tmp.path;
  assert.deepEqual(candidatePaths(dir, "a.txt").take(2).toArray(), [
    join(dir, "a.txt"),
    join(dir, "a (1).txt"),
  ]);
  assert.equal(await freePath(dir, "a.txt"), join(dir, "a.txt"));
  await Deno.writeTextFile(join(dir, "a.txt"), "x");
  await Deno.mkdir(join(dir, "a (1).txt"));
  assert.equal(await freePath(dir, "a.txt"), join(dir, "a (2).txt"));
  assert.equal(await pathExists(join(dir, "a (1).txt")), true, "a folder counts as taken");
  assert.equal(await pathExists(join(dir, "a (2).txt")), false);
});

Deno.test("a file already there with the same content is found, another one is not", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const path = join(dir, "a.txt");
  await Deno.writeTextFile(path, "content");
  const { fileId, manifest } = await hashFile(path, { chunkSize: 4 });
  const file = { fileId, size: manifest.size, chunkSize: 4 };
  assert.equal(await findPresent(dir, "a.txt", file), path);
  assert.equal(await findPresent(dir, "b.txt", file), undefined);
  await Deno.writeTextFile(path, "CONTENT");
  assert.equal(await findPresent(dir, "a.txt", file), undefined, "same size, other bytes");
});
