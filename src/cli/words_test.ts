import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { escapeWord, splitLine } from "./words.ts";

Deno.test("splitLine cuts on blanks and keeps the last raw word", () => {
  assertEquals(splitLine("download  abc  out"), {
    words: ["download", "abc", "out"],
    lastRaw: "out",
    inWord: true,
    openQuote: undefined,
  });
  assertEquals(splitLine("list ").inWord, false);
  assertEquals(splitLine("list ").lastRaw, "");
});

Deno.test("splitLine honours quotes and backslashes", () => {
  assertEquals(splitLine(`register "my file.txt"`).words, ["register", "my file.txt"]);
  assertEquals(splitLine(`register my\\ file`).words, ["register", "my file"]);
  assertEquals(splitLine(`register my\\ fi`).lastRaw, "my\\ fi");
  assertEquals(splitLine(`register 'open`).openQuote, "'");
});

Deno.test("escapeWord round-trips through splitLine", () => {
  const word = `a b"c'd\\e`;
  assertEquals(splitLine(`x ${escapeWord(word)}`).words, ["x", word]);
});
