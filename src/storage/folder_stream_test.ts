import assert from "node:assert/strict";
import { join } from "node:path";
import { FolderLayout, pathOnDisk } from "./folder_stream.ts";
import type { FolderEntry } from "../protocol/messages.ts";

const layout = new FolderLayout([
  { path: "a", kind: "file", size: 5 },
  { path: "b", kind: "file", size: 0 },
  { path: "c", kind: "executable", size: 3 },
  { path: "d", kind: "folder", size: 0 },
  { path: "e", kind: "file", size: 10 },
]);

Deno.test("files lie one after another along the stream", () => {
  assert.deepEqual(layout.files.map((file) => [file.path, file.start]), [
    ["a", 0],
    ["b", 5],
    ["c", 5],
    ["e", 8],
  ]);
  assert.deepEqual(layout.folders, ["d"]);
  assert.equal(layout.file("c")?.executable, true);
});

Deno.test("a range maps to the pieces of the files it spans", () => {
  const pieces = layout.pieces(3, 8).map((
    p,
  ) => [p.file.path, p.fileOffset, p.rangeOffset, p.length]);
  assert.deepEqual(pieces, [["a", 3, 0, 2], ["c", 0, 2, 3], ["e", 0, 5, 3]]);
});

Deno.test("a range inside one file is one piece, and empty files take none", () => {
  assert.deepEqual(
    layout.pieces(9, 4).map((p) => [p.file.path, p.fileOffset, p.length]),
    [["e", 1, 4]],
  );
  assert.deepEqual(layout.pieces(5, 1).map((p) => p.file.path), ["c"]);
  assert.deepEqual(layout.pieces(0, 18).reduce((sum, p) => sum + p.length, 0), 18);
});

Deno.test("files are whole once every chunk holding their bytes is in; empty ones always", () => {
  const layout = new FolderLayout([
    { path: "a", kind: "file", size: 6 },
    { path: "b", kind: "file", size: 0 },
    { path: "c", kind: "file", size: 3 },
    { path: "d", kind: "file", size: 4 },
  ]);
  // Stream: a = [0, 6), c = [6, 9), d = [9, 13); chunks of 4 bytes: 0..3.
  const done = (indexes: number[]) => layout.filesDone(4, (index) => indexes.includes(index));
  assert.equal(done([]), 1, "only the empty file");
  assert.equal(done([0]), 1, "a spans chunks 0 and 1");
  assert.equal(done([0, 1]), 2);
  assert.equal(done([0, 1, 2]), 3, "c is in chunks 1 and 2");
  assert.equal(done([0, 1, 2, 3]), 4);
});

Deno.test("every folder of a tree is listed once, parents first", () => {
  const tree = new FolderLayout([
    { path: "a/b/c.txt", kind: "file", size: 1 },
    { path: "a/b/d.txt", kind: "file", size: 1 },
    { path: "a/e/f", kind: "folder", size: 0 },
    { path: "g.txt", kind: "file", size: 1 },
  ]);
  assert.deepEqual(tree.allFolders(), ["a", "a/b", "a/e", "a/e/f"]);
});

Deno.test("a path on disk is what join gives", () => {
  for (const [root, path] of [["/out/stage", "a/b.txt"], ["/", "a"], ["rel", "x/y/z"]]) {
    assert.equal(pathOnDisk(root, path), join(root, ...path.split("/")));
  }
});

Deno.test("a layout is made once per entries array", () => {
  const entries: FolderEntry[] = [{ path: "a/x", kind: "file", size: 1 }];
  const layout = FolderLayout.of(entries);
  assert.equal(FolderLayout.of(entries), layout);
  assert.notEqual(FolderLayout.of([...entries]), layout);
  assert.deepEqual(FolderLayout.of([...entries]).files, layout.files);
});

Deno.test("every folder of files listed folder by folder is found once", () => {
  const file = (path: string): FolderEntry => ({ path, kind: "file", size: 1 });
  const tree = new FolderLayout([
    file("a/b/x"),
    file("a/b/y"),
    file("a/c/z"),
    file("a/d"),
    file("ab/q"),
    file("top"),
    file("z/y/x/w"),
  ]);
  assert.deepEqual(tree.allFolders(), ["a", "a/b", "a/c", "ab", "z", "z/y", "z/y/x"]);
});

Deno.test("whole files are counted as a look at every file counts them", () => {
  let state = 7;
  const random = (below: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % below;
  };
  for (let round = 0; round < 200; round++) {
    const entries: FolderEntry[] = Array.from({ length: 1 + random(12) }, (_, i) => ({
      path: `f${String(i).padStart(2, "0")}`,
      kind: "file",
      size: random(3) === 0 ? 0 : random(20),
    }));
    const tree = new FolderLayout(entries);
    const chunkSize = 1 + random(8);
    const verified = new Set(Array.from({ length: 30 }, () => random(30)));
    const isVerified = (index: number) => verified.has(index);
    const expected = tree.files.filter((file) => {
      if (file.size === 0) return true;
      const last = Math.floor((file.start + file.size - 1) / chunkSize);
      for (let index = Math.floor(file.start / chunkSize); index <= last; index++) {
        if (!isVerified(index)) return false;
      }
      return true;
    }).length;
    assert.equal(tree.filesDone(chunkSize, isVerified), expected, `round ${round}`);
  }
});
