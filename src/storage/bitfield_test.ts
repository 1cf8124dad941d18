import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { Bitfield } from "./bitfield.ts";

Deno.test("bitfields set, clear, count and round-trip through base64", () => {
  const field = new Bitfield(10);
  field.set(0);
  field.set(9);
  field.set(9);
  assert.equal(field.count, 2);
  assert.deepEqual(field.indexes(), [0, 9]);
  const copy = Bitfield.fromBase64(field.toBase64(), 10);
  assert.deepEqual(copy.indexes(), [0, 9]);
  copy.clear(0);
  copy.clear(0);
  assert.equal(copy.count, 1);
  assert.equal(Bitfield.full(10).complete, true);
  assert.equal(new Bitfield(0).complete, true);
});

Deno.test("most significant bit first, as on the wire", () => {
  const field = new Bitfield(9);
  field.set(0);
  field.set(8);
  assert.deepEqual([...decodeBase64(field.toBase64())], [0x80, 0x80]);
});

Deno.test("bad sizes and indexes are refused", () => {
  assert.throws(() => Bitfield.fromBase64(encodeBase64(new Uint8Array(3)), 8), /does not fit 8/);
  assert.throws(() => Bitfield.fromBase64("!!!", 8), /invalid base64/);
  assert.throws(() => new Bitfield(4).set(4), RangeError);
  assert.throws(() => new Bitfield(4).set(-1), RangeError);
});
