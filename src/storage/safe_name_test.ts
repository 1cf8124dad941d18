import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { MAX_FILE_NAME_BYTES } from "../constants.ts";
import { tempDir } from "../test_dir.ts";
import { hashFile } from "./hash_file.ts";
import {
  candidatePaths,
  findPresent,
  NAME_SUFFIX_BYTES,
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
    [".bashrc", "_bashrc"],
    ["..hidden.txt", "__hidden.txt"],
    ["  .profile", "_profile"],
    ["évil\u202Etxt.exe", "évil_txt.exe"],
    ["a\u202ab\u202bc\u202cd\u202de", "a_b_c_d_e"],
    ["\u2066x\u2067y\u2068z\u2069\u200e\u200f", "_x_y_z___"],
    ["c1\u0085next\u009bline", "c1_next_line"],
    ["del\u007f", "del_"],
    ["COM¹", "_COM¹"],
    ["lpt³.txt", "_lpt³.txt"],
    ["CONIN$", "_CONIN$"],
    ["conout$.log", "_conout$.log"],
    ["NUL .txt", "_NUL .txt"],
    ["console.txt", "console.txt"],
    ["lone \ud800 surrogate", "lone \ufffd surrogate"],
  ];
  for (const [input, expected] of cases) assert.equal(sanitizeFileName(input), expected, input);
});

Deno.test("long names leave room for a copy number and .part, cut between characters", () => {
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  const longest = numberedName("x", 9999).slice(1) + ".part";
  assert.equal(NAME_SUFFIX_BYTES, bytes(longest));
  for (const long of ["é".repeat(400) + ".mkv", "a".repeat(300) + ".mkv", "😀".repeat(100)]) {
    const name = sanitizeFileName(long);
    assert.ok(bytes(name) + NAME_SUFFIX_BYTES <= MAX_FILE_NAME_BYTES, long);
    assert.ok(bytes(numberedName(name, 9999) + ".part") <= MAX_FILE_NAME_BYTES, long);
    assert.ok(!name.includes("\ufffd"), "no character cut in half");
    assert.ok(long.startsWith(name.replace(/\.mkv$/, "")), "the start is kept");
    if (long.endsWith(".mkv")) assert.ok(name.endsWith(".mkv"), "the extension is kept");
  }
  assert.equal(sanitizeFileName("short.mkv"), "short.mkv");
  const exact = "b".repeat(MAX_FILE_NAME_BYTES - NAME_SUFFIX_BYTES);
  assert.equal(sanitizeFileName(exact), exact, "a name that fits is left whole");
});

Deno.test("a name cut to fit still ends like a name Windows keeps", () => {
  const name = sanitizeFileName("a" + " ".repeat(300) + "b");
  assert.equal(name, "a");
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

Deno.test("numbered names go before the extension; anything at a path counts as there", async () => {
  assert.equal(numberedName("a.txt", 1), "a (1).txt");
  assert.equal(numberedName("archive", 2), "archive (2)");
  await using tmp = await tempDir();
  const dir = tmp.path;
  assert.deepEqual(candidatePaths(dir, "a.txt").take(2).toArray(), [
    join(dir, "a.txt"),
    join(dir, "a (1).txt"),
  ]);
  await Deno.mkdir(join(dir, "a (1).txt"));
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
