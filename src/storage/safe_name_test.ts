import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { MAX_FILE_NAME_BYTES } from "../constants.ts";
import { freePath, numberedName, resolveInside, sanitizeFileName } from "./safe_name.ts";

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
  assert.throws(() => resolveInside("/tmp/out", "../a.txt"), /outside/);
  assert.throws(() => resolveInside("/tmp/out", "/etc/passwd"), /outside/);
  assert.throws(() => resolveInside("/tmp/out", "sub/a.txt"), /outside/);
  assert.throws(() => resolveInside("/tmp/out", ""), /outside/);
});

Deno.test("numbered names go before the extension; freePath skips taken names", async () => {
  assert.equal(numberedName("a.txt", 1), "a (1).txt");
  assert.equal(numberedName("archive", 2), "archive (2)");
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await freePath(dir, "a.txt"), join(dir, "a.txt"));
    await Deno.writeTextFile(join(dir, "a.txt"), "x");
    await Deno.writeTextFile(join(dir, "a (1).txt"), "x");
    assert.equal(await freePath(dir, "a.txt"), join(dir, "a (2).txt"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
