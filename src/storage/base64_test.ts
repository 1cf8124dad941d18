import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "./base64.ts";

Deno.test("base64 round-trips large buffers, beyond one String.fromCharCode batch", () => {
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
  assert.deepEqual(decodeBase64(encodeBase64(bytes)), bytes);
});

Deno.test("base64 is the standard alphabet, padded; anything else is refused", () => {
  assert.equal(encodeBase64(new Uint8Array([0xfb, 0xff])), "+/8=");
  assert.equal(encodeBase64(new Uint8Array()), "");
  assert.deepEqual([...decodeBase64("+/8=")], [0xfb, 0xff]);
  assert.throws(() => decodeBase64("not base64!"), /invalid base64/);
});
