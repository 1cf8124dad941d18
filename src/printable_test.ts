import assert from "node:assert/strict";
import { printable } from "./printable.ts";

Deno.test("control characters, escape sequences and bidi controls are escaped", () => {
  const cases: [string, string][] = [
    ["plain name.txt", "plain name.txt"],
    ["été 日本 😀", "été 日本 😀"],
    ["a\nb\r\tc", "a\\nb\\r\\tc"],
    ["\u001b[31mred\u001b[0m", "\\u001b[31mred\\u001b[0m"],
    ["bell\u0007 del\u007f", "bell\\u0007 del\\u007f"],
    ["c1 \u0085 csi \u009b2J", "c1 \\u0085 csi \\u009b2J"],
    ["evil\u202Etxt.exe", "evil\\u202etxt.exe"],
    ["\u200e\u200f\u061c\u2066\u2069\u202a", "\\u200e\\u200f\\u061c\\u2066\\u2069\\u202a"],
    ["line\u2028para\u2029", "line\\u2028para\\u2029"],
  ];
  for (const [input, expected] of cases) assert.equal(printable(input), expected, input);
});

Deno.test("printable text is left alone, so escaping twice changes nothing", () => {
  const once = printable("x\n\u001b\u202e");
  assert.equal(printable(once), once);
});

Deno.test("escaped text inside a JSON string still parses to the same characters", () => {
  const value = { name: "a\u0085b\u202ec\nd" };
  const line = printable(JSON.stringify(value));
  assert.ok(!/[\u0080-\u009f\u202e\n]/.test(line), line);
  assert.deepEqual(JSON.parse(line), value);
});
