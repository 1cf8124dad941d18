import assert from "node:assert/strict";
import { MAX_FOLDER_DEPTH, MAX_FOLDER_ENTRIES } from "../constants.ts";
import type { FolderEntry } from "../protocol/messages.ts";
import { checkFolderEntries, compareUtf8, FolderPathError } from "./folder_paths.ts";

function file(path: string, size = 1): FolderEntry {
  return { path, kind: "file", size };
}

function refused(entries: FolderEntry[], names: string | RegExp): void {
  assert.throws(() => checkFolderEntries(entries), (error: unknown) => {
    assert.ok(error instanceof FolderPathError);
    assert.match(
      error.message,
      typeof names === "string" ? new RegExp(RegExp.escape(names)) : names,
    );
    return true;
  });
}

Deno.test("a sound tree passes", () => {
  checkFolderEntries([
    file(".hidden"),
    file("a/b.txt"),
    { path: "a/empty", kind: "folder", size: 0 },
    { path: "bin/run", kind: "executable", size: 3 },
    file("été/Ωmega.txt", 0),
  ]);
});

Deno.test("paths are ordered by UTF-8 bytes, not UTF-16 units", () => {
  // UTF-16 puts U+1F600 (a surrogate pair, D83D) before U+FF5E; UTF-8 bytes put it after.
  assert.ok(compareUtf8("\uff5e", "\u{1f600}") < 0);
  assert.ok(compareUtf8("a", "a/b") < 0);
  assert.ok(compareUtf8("a-b", "a/b") < 0);
  assert.ok(compareUtf8("x\uffee", "x\u{1f600}") < 0);
  assert.ok(compareUtf8("x\u{1f600}", "xa") > 0);
  assert.ok(compareUtf8("x", "x\u{1f600}") < 0);
  assert.equal(compareUtf8("x\u{1f600}", "x\u{1f600}"), 0);
  assert.ok(compareUtf8("\u{1f600}", "\u{1f601}") < 0);
});

Deno.test("a file under a folder checked earlier is still checked itself", () => {
  refused([file("a/b.txt"), file("a/nul.txt")], "reserves");
  refused([file("a/b.txt"), file("a/B.TXT/c")], /collides with "a\/b\.txt"|out of order/);
  refused([file("a/b/c.txt"), file("a/B/d.txt")], /out of order|collides/);
  refused([file("A/b.txt"), file("a/c.txt")], 'collides with "A"');
});

Deno.test("an entry in the same folder as the one before it is checked as fully", () => {
  refused([file("a/b"), file("a/c\u0000")], "control");
  refused([file("a/b"), file("a/c.")], "dot or space");
  refused([file("a/b"), file(`a/${"é".repeat(128)}`)], "255");
  refused([file("a/B"), file("a/b")], 'collides with "a/B"');
  refused([file("a/b"), file("a/b")], "listed twice");
  refused([file("a/b"), { path: "a/c", kind: "folder", size: 1 }], "a folder has a size");
  refused([file("d/b"), file("d/c"), file("d/c/x")], '"d/c" is both a file and a folder');
});

Deno.test("an absolute path is refused", () => refused([file("/etc/passwd")], "/etc/passwd"));

Deno.test("a .. segment is refused", () => refused([file("a/../../x")], '"a/../../x"'));

Deno.test("a . segment is refused", () => refused([file("a/./x")], '"a/./x"'));

Deno.test("an empty segment is refused", () => {
  refused([file("a//x")], "empty segment");
  refused([file("a/")], "empty segment");
});

Deno.test("a backslash inside a name is refused", () => refused([file("a\\..\\x")], "separator"));

Deno.test("NUL and control characters inside a name are refused", () => {
  refused([file("a\u0000b")], "control");
  refused([file("a\nb")], "a\\nb");
  refused([file("evil\u202etxt.exe")], "control");
});

Deno.test("names Windows reserves are refused", () => {
  refused([file("docs/CON")], "reserves");
  refused([file("nul.txt")], "reserves");
  refused([file("a:b")], "Windows forbids");
  refused([file("trailing.")], "dot or space");
});

Deno.test("two entries differing only by case are refused", () => {
  refused([file("README"), file("readme")], 'collides with "README"');
  refused([file("A/x"), file("a/y")], "collides");
});

Deno.test("two entries differing only by Unicode normalisation are refused", () => {
  refused([file("cafe\u0301"), file("caf\u00e9")], "collides");
});

Deno.test("entries out of order or listed twice are refused", () => {
  refused([file("b"), file("a")], "out of order");
  refused([file("a"), file("a")], "listed twice");
});

Deno.test("a file that is also a folder of another entry is refused", () => {
  refused([file("a"), file("a/b")], '"a" is both a file and a folder');
  refused([file("a"), file("a-x"), file("a/b")], "both a file and a folder");
});

Deno.test("an empty folder that holds entries is refused", () => {
  refused([{ path: "a", kind: "folder", size: 0 }, file("a/b")], "listed as empty");
  refused([{ path: "a", kind: "folder", size: 5 }], "a folder has a size");
});

Deno.test("depth is bounded", () => {
  checkFolderEntries([file(Array(MAX_FOLDER_DEPTH).fill("d").join("/"))]);
  refused([file(Array(MAX_FOLDER_DEPTH + 1).fill("d").join("/"))], "deeper than");
});

Deno.test("the entry count is bounded", () => {
  const entries = Array.from({ length: MAX_FOLDER_ENTRIES + 1 }, (_, i) => file(`f${i}`));
  refused(entries, `at most ${MAX_FOLDER_ENTRIES}`);
});

Deno.test("a name longer than 255 bytes is refused", () => refused([file("é".repeat(128))], "255"));
