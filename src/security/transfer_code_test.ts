import assert from "node:assert/strict";
import {
  closeWords,
  codePassword,
  formatCode,
  generateCode,
  MAX_NAMEPLATE,
  parseCode,
} from "./transfer_code.ts";

Deno.test("a generated code has its nameplate and three words of the list, and reads back", () => {
  const code = generateCode(42);
  assert.equal(code.words.length, 3);
  assert.deepEqual(parseCode(formatCode(code)), code);
  assert.match(formatCode(code), /^42-[a-z]+-[a-z]+-[a-z]+$/);
});

Deno.test("the words come from the random bytes given", () => {
  const zeros = generateCode(7, { random: (bytes) => bytes.fill(0) });
  assert.equal(formatCode(zeros), "7-abandon-abandon-abandon");
  const high = generateCode(7, { count: 2, random: (bytes) => bytes.fill(0xff) });
  assert.equal(formatCode(high), "7-zoo-zoo");
});

Deno.test("a code is read in any case, with dashes or spaces", () => {
  const expected = { nameplate: 42, words: ["copper", "violin", "river"] };
  assert.deepEqual(parseCode("42-copper-violin-river"), expected);
  assert.deepEqual(parseCode("  42 Copper VIOLIN-river \n"), expected);
});

Deno.test("malformed codes are refused with what a code looks like", () => {
  assert.throws(() => parseCode(""), /not a transfer code: .* as in 42-copper-violin-river/);
  assert.throws(() => parseCode("copper-violin-river"), /starts with the number/);
  assert.throws(() => parseCode("42-copper"), /has 1 word\(s\) after its number/);
  assert.throws(() => parseCode("42-a-b-c-d-e"), /has 5 word/);
  assert.throws(() => parseCode("0-copper-violin-river"), /between 1 and/);
  assert.throws(() => parseCode(`${MAX_NAMEPLATE + 1}-copper-violin-river`), /between 1 and/);
});

Deno.test("a mistyped word is named with the closest words of the list", () => {
  assert.throws(
    () => parseCode("42-coper-violet-river"),
    /"coper" is not a word of transfer codes \(did you mean .*copper.*\?\): check the code/,
  );
  assert.deepEqual(closeWords("rivr"), ["rival", "river"]);
});

Deno.test("the password is the words alone: the nameplate is public", () => {
  const text = new TextDecoder().decode(codePassword(parseCode("42-copper-violin-river")));
  assert.equal(text, "copper-violin-river");
});
