import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Argument, Command } from "@commander-js/extra-typings";
import {
  commandSpecs,
  commonPrefix,
  completeLine,
  fileCandidates,
  folderToList,
  formatCandidates,
  matchPathEntries,
} from "./completion.ts";

function tree() {
  const program = new Command("");
  program.command("status").description("show status");
  program.command("list").addArgument(new Argument("<what>").choices(["files", "peers"]));
  program.command("download").argument("<file>").argument("[dir]");
  program.command("downloads");
  program.command("register").argument("<path...>");
  return commandSpecs(program);
}

const candidates = (_command: string, { arg }: { arg: string; partial: string }) =>
  arg === "file" ? ["abcdef01", "abcd9999", "my file.bin"] : arg === "dir" ? ["out/"] : [];

Deno.test("completeLine completes command words, a unique one with a space", async () => {
  assertEquals(await completeLine("sta", { commands: tree(), candidates }), {
    matches: ["status "],
    replace: "sta",
  });
  assertEquals((await completeLine("down", { commands: tree(), candidates })).matches, [
    "download",
    "downloads",
  ]);
  assertEquals((await completeLine("", { commands: tree(), candidates })).matches.length, 5);
});

Deno.test("completeLine completes argument choices and supplied candidates", async () => {
  assertEquals((await completeLine("list f", { commands: tree(), candidates })).matches, [
    "files ",
  ]);
  assertEquals((await completeLine("download abcd", { commands: tree(), candidates })).matches, [
    "abcd9999",
    "abcdef01",
  ]);
  assertEquals(await completeLine("download my", { commands: tree(), candidates }), {
    matches: ["my\\ file.bin "],
    replace: "my",
  });
  assertEquals((await completeLine("download x o", { commands: tree(), candidates })).matches, [
    "out/",
  ]);
  assertEquals((await completeLine("status x", { commands: tree(), candidates })).matches, []);
  const paths = (_command: string, { arg }: { arg: string; partial: string }) =>
    arg === "path" ? ["photos/"] : [];
  assertEquals(
    (await completeLine("register a.txt b.txt ph", { commands: tree(), candidates: paths }))
      .matches,
    ["photos/"],
    "a variadic last argument completes every word after it",
  );
  assertEquals((await completeLine("nope x", { commands: tree(), candidates })).matches, []);
});

Deno.test("commonPrefix", () => {
  assertEquals(commonPrefix(["download", "downloads"]), "download");
  assertEquals(commonPrefix([]), "");
});

Deno.test("matchPathEntries keeps the folder typed, marks folders, hides dot files", () => {
  const entries = [
    { name: "big.iso", isDirectory: false },
    { name: "bin", isDirectory: true },
    { name: ".hidden", isDirectory: false },
  ];
  assertEquals(matchPathEntries(entries, { partial: "data/b" }), ["data/big.iso", "data/bin/"]);
  assertEquals(matchPathEntries(entries, { partial: "b", foldersOnly: true }), ["bin/"]);
  assertEquals(matchPathEntries(entries, { partial: "" }), ["big.iso", "bin/"]);
  assertEquals(matchPathEntries(entries, { partial: "." }), [".hidden"]);
});

Deno.test("folderToList resolves relative, absolute and home folders", () => {
  const where = { cwd: "/work", home: "/home/me" };
  assertEquals(folderToList("", where), "/work");
  assertEquals(folderToList("a/", where), "/work/a/");
  assertEquals(folderToList("/tmp/", where), "/tmp/");
  assertEquals(folderToList("~/x/", where), "/home/me/x/");
});

const FILES = [
  { fileId: "ab".repeat(32), name: "a.bin", size: 1, sources: 1, seeders: 1 },
  { fileId: "cd".repeat(32), name: "abc.iso", size: 1, sources: 1, seeders: 1 },
  { fileId: "ef".repeat(32), name: "album", size: 1, sources: 1, seeders: 1, files: 2 },
  { fileId: "be7c".repeat(16), name: "notes.txt", size: 1, sources: 1, seeders: 1 },
  { fileId: "be7d".repeat(16), name: "big.iso", size: 1, sources: 1, seeders: 1 },
];

Deno.test("fileCandidates offers IDs by prefix and names, a folder's ending in /", () => {
  assertEquals(fileCandidates(FILES, "AB").words, ["ab".repeat(32)]);
  assertEquals(fileCandidates(FILES, "a").words, ["ab".repeat(32), "a.bin", "abc.iso", "album/"]);
  assertEquals(fileCandidates(FILES, "al").words, ["album/"]);
});

Deno.test("fileCandidates lists each file once, its short ID beside its own name", () => {
  assertEquals(fileCandidates(FILES, "a").listing, [
    "abababababab  a.bin",
    "cdcdcdcdcdcd  abc.iso",
    "efefefefefef  album/",
  ]);
  assertEquals(fileCandidates(FILES, "be7").listing, [
    "be7dbe7dbe7d  big.iso",
    "be7cbe7cbe7c  notes.txt",
  ]);
  assertEquals(fileCandidates(FILES, "b").listing, [
    "be7dbe7dbe7d  big.iso",
    "be7cbe7cbe7c  notes.txt",
  ], "a file matched by its ID and by its name is listed once");
});

Deno.test("completeLine passes a supplier's listing on", async () => {
  const files = (_command: string, { partial }: { arg: string; partial: string }) =>
    fileCandidates(FILES, partial);
  const completion = await completeLine("download be7", { commands: tree(), candidates: files });
  assertEquals(completion.matches, ["be7c".repeat(16), "be7d".repeat(16)]);
  assertEquals(completion.listing, ["be7dbe7dbe7d  big.iso", "be7cbe7cbe7c  notes.txt"]);
  assertEquals((await completeLine("sta", { commands: tree(), candidates })).listing, undefined);
});

Deno.test("formatCandidates fills columns to the width", () => {
  assertEquals(formatCandidates(["aa", "bb", "cc"], 8), ["aa  bb", "cc"]);
  assertEquals(formatCandidates([], 80), []);
});
