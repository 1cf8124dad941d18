import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { HistorySearch, type Key } from "./shell_search.ts";

/** Newest first, as readline keeps it. */
const HISTORY = ["list files", "download abc out", "status", "download def"];

function type(search: HistorySearch, text: string) {
  return [...text].map((character) => search.key(character, { name: character }));
}

Deno.test("typing narrows the search to the newest command holding the text", () => {
  const search = new HistorySearch(HISTORY, "sta");
  assertEquals(search.prompt(), "(reverse-i-search)'': ");
  assertEquals(search.line, "sta", "the line stays as typed until a character is searched for");
  assertEquals(type(search, "load").at(-1), { kind: "search", line: "download abc out" });
  assertEquals(search.prompt(), "(reverse-i-search)'load': ");
  assertEquals(type(search, " d"), [
    { kind: "search", line: "download abc out" },
    { kind: "search", line: "download def" },
  ]);
});

Deno.test("Ctrl-R again finds older commands; a failed search keeps the last one found", () => {
  const search = new HistorySearch(HISTORY, "");
  const ctrlR: Key = { name: "r", ctrl: true };
  type(search, "download");
  assertEquals(search.line, "download abc out");
  assertEquals(search.key(undefined, ctrlR), { kind: "search", line: "download def" });
  assertEquals(search.key(undefined, ctrlR), { kind: "search", line: "download def" });
  assertEquals(search.prompt(), "(failed reverse-i-search)'download': ");
  type(search, "x");
  assertEquals(search.line, "download def");
  assertEquals(search.prompt(), "(failed reverse-i-search)'downloadx': ");
  assertEquals(search.key(undefined, { name: "backspace" }), {
    kind: "search",
    line: "download abc out",
  });
  assertEquals(search.prompt(), "(reverse-i-search)'download': ");
});

Deno.test("Ctrl-R with nothing typed steps through the history", () => {
  const search = new HistorySearch(HISTORY, "");
  const ctrlR: Key = { name: "r", ctrl: true };
  assertEquals(search.key(undefined, ctrlR).line, "list files");
  assertEquals(search.key(undefined, ctrlR).line, "download abc out");
});

Deno.test("Enter runs the command found; Esc, Ctrl-G and Ctrl-C give the line back", () => {
  const found = () => {
    const search = new HistorySearch(HISTORY, "half typed");
    type(search, "stat");
    return search;
  };
  assertEquals(found().key("\r", { name: "return" }), {
    kind: "done",
    line: "status",
    run: true,
    pass: false,
  });
  for (const key of [{ name: "escape" }, { name: "g", ctrl: true }, { name: "c", ctrl: true }]) {
    assertEquals(found().key(undefined, key), {
      kind: "done",
      line: "half typed",
      run: false,
      pass: false,
    });
  }
});

Deno.test("arrows and other keys keep the command found for editing and go on", () => {
  for (
    const key of [{ name: "left" }, { name: "end" }, { name: "tab" }, { name: "a", ctrl: true }]
  ) {
    const search = new HistorySearch(HISTORY, "");
    type(search, "list");
    assertEquals(search.key(undefined, key), {
      kind: "done",
      line: "list files",
      run: false,
      pass: true,
    });
  }
});
