import assert from "node:assert/strict";
import type { FolderEntry, Manifest } from "../protocol/messages.ts";
import { closePaths, editDistance, folderFile, splitInside } from "./folder_file.ts";

const entries: FolderEntry[] = [
  { path: "a/one.bin", kind: "file", size: 10 },
  { path: "a/zero", kind: "file", size: 0 },
  { path: "b/two.bin", kind: "executable", size: 7 },
  { path: "empty", kind: "folder", size: 0 },
  { path: "three.bin", kind: "file", size: 1 },
];
const folder: Manifest = {
  name: "album",
  size: 18,
  chunkSize: 4,
  chunkHashes: Array(5).fill("c".repeat(64)),
  entries,
};

Deno.test("ID:path splits at the first colon; an ID alone has no path", () => {
  assert.deepEqual(splitInside("abcd"), { query: "abcd", inside: undefined });
  assert.deepEqual(splitInside("abcd:a/b:c"), { query: "abcd", inside: "a/b:c" });
});

Deno.test("a file of a folder maps to the chunks holding its bytes", () => {
  const one = folderFile(folder, "a/one.bin");
  assert.deepEqual([one.file.start, one.file.size], [0, 10]);
  assert.deepEqual(one.chunks.indexes(), [0, 1, 2]);
  assert.deepEqual(folderFile(folder, "b/two.bin").chunks.indexes(), [2, 3, 4]);
  assert.equal(folderFile(folder, "b/two.bin").file.executable, true);
  assert.deepEqual(folderFile(folder, "three.bin").chunks.indexes(), [4]);
  assert.equal(folderFile(folder, "three.bin").entry, 4, "its index among the entries");
  assert.deepEqual(folderFile(folder, "a/zero").chunks.indexes(), [], "an empty file needs none");
});

Deno.test("a path inside is checked like a manifest's, and an unknown one names close ones", () => {
  assert.throws(
    () => folderFile(folder, "../x"),
    /refusing entry "\.\.\/x": it has a "\.\." segment/,
  );
  assert.throws(() => folderFile(folder, "/etc/passwd"), /it is an absolute path/);
  assert.throws(() => folderFile(folder, "a/"), /empty segment/);
  assert.throws(
    () => folderFile(folder, "a/One.bin"),
    /album has no file "a\/One\.bin"; closest: "a\/one\.bin", "b\/two\.bin", "three\.bin"/,
  );
  assert.throws(() => folderFile(folder, "empty"), /has no file "empty"/, "a folder is no file");
  assert.throws(
    () => folderFile({ ...folder, entries: undefined }, "x"),
    /album is a file, not a folder: download it without :path/,
  );
});

Deno.test("close paths rank by edit distance, case ignored", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.deepEqual(closePaths(["photo1.jpg", "notes.txt", "photo2.jpg"], "PHOTO3.jpg", 2), [
    "photo1.jpg",
    "photo2.jpg",
  ]);
});
