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

Deno.test("fileCandidates offers IDs by prefix and names, a folder's ending in /", () => {
  const files = [
    { fileId: "ab".repeat(32), name: "a.bin", size: 1, sources: 1, seeders: 1 },
    { fileId: "cd".repeat(32), name: "abc.iso", size: 1, sources: 1, seeders: 1 },
    { fileId: "ef".repeat(32), name: "album", size: 1, sources: 1, seeders: 1, files: 2 },
  ];
  assertEquals(fileCandidates(files, "AB"), ["ab".repeat(32)]);
  assertEquals(fileCandidates(files, "a"), ["ab".repeat(32), "a.bin", "abc.iso", "album/"]);
  assertEquals(fileCandidates(files, "al"), ["album/"]);
});

Deno.test("formatCandidates fills columns to the width", () => {
  assertEquals(formatCandidates(["aa", "bb", "cc"], 8), ["aa  bb", "cc"]);
  assertEquals(formatCandidates([], 80), []);
});
