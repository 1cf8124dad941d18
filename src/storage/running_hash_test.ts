import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { randomBytes } from "../../tests/helpers/bytes.ts";
import { HASH_STEP_BYTES, RunningHash } from "./running_hash.ts";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test("a buffer hashed as it fills gives the SHA-256 of the whole, whatever the reads", () => {
  const data = randomBytes(3 * HASH_STEP_BYTES + 1234);
  for (const read of [1, 1000, 16_384, HASH_STEP_BYTES + 1, data.length]) {
    const running = new RunningHash(data);
    for (let filled = 0; filled < data.length;) {
      filled = Math.min(data.length, filled + read);
      running.advance(filled);
    }
    assert.equal(running.digest(), sha256(data), `reads of ${read} bytes`);
  }
});

Deno.test("bytes are hashed in steps, not read by read, and all at the end", () => {
  const data = randomBytes(2 * HASH_STEP_BYTES + 10);
  const running = new RunningHash(data);
  running.advance(HASH_STEP_BYTES - 1);
  assert.equal(running.hashed, 0, "less than a step waits");
  running.advance(HASH_STEP_BYTES + 5);
  assert.equal(running.hashed, HASH_STEP_BYTES + 5);
  running.advance(HASH_STEP_BYTES + 6);
  assert.equal(running.hashed, HASH_STEP_BYTES + 5);
  running.advance(data.length);
  assert.equal(running.hashed, data.length, "the last bytes go in whatever their number");
  assert.equal(running.digest(), sha256(data));
});

Deno.test("a changed byte changes the digest; an empty buffer has the empty one", () => {
  const data = randomBytes(5000);
  const running = new RunningHash(data);
  running.advance(data.length);
  const bad = data.slice();
  bad[4321] ^= 1;
  const other = new RunningHash(bad);
  other.advance(bad.length);
  assert.notEqual(other.digest(), running.digest());
  const empty = new RunningHash(new Uint8Array(0));
  empty.advance(0);
  assert.equal(empty.digest(), sha256(new Uint8Array(0)));
});

Deno.test("a digest before every byte is in, or a fill out of range, throws", () => {
  const running = new RunningHash(new Uint8Array(100));
  running.advance(50);
  assert.throws(() => running.digest(), /only 0 of 100 bytes have arrived/);
  assert.throws(() => running.advance(101), /cannot hash up to 101 of 100 bytes/);
  running.advance(100);
  assert.throws(() => running.advance(99), /cannot hash up to 99/);
});
