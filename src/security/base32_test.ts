import assert from "node:assert/strict";
import { decodeBase32, encodeBase32 } from "./base32.ts";

Deno.test("base32 encodes the RFC 4648 test vectors in lowercase without padding", () => {
  const vectors: [string, string][] = [
    ["", ""],
    ["f", "my"],
    ["fo", "mzxq"],
    ["foo", "mzxw6"],
    ["foob", "mzxw6yq"],
    ["fooba", "mzxw6ytb"],
    ["foobar", "mzxw6ytboi"],
  ];
  for (const [plain, encoded] of vectors) {
    assert.equal(encodeBase32(new TextEncoder().encode(plain)), encoded);
    assert.equal(new TextDecoder().decode(decodeBase32(encoded)), plain);
  }
});

Deno.test("base32 round-trips 32 random bytes as 52 characters", () => {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const text = encodeBase32(bytes);
  assert.equal(text.length, 52);
  assert.deepEqual(decodeBase32(text), bytes);
});

Deno.test("base32 rejects uppercase, foreign letters and non-canonical text", () => {
  assert.throws(() => decodeBase32("MZXW6"), /only a-z and 2-7/);
  assert.throws(() => decodeBase32("mzxw1"), /only a-z and 2-7/);
  assert.throws(() => decodeBase32("m"), /length or the last character/);
  assert.throws(() => decodeBase32("mz"), /length or the last character/);
});
