import assert from "node:assert/strict";
import { attachment, contentRange, parseRange } from "./http_range.ts";

Deno.test("parseRange reads one bytes range and clamps its end", () => {
  assert.deepEqual(parseRange("bytes=0-99", 1000), { start: 0, end: 99 });
  assert.deepEqual(parseRange("bytes=900-", 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange("bytes=900-5000", 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange("bytes=-100", 1000), { start: 900, end: 999 });
  assert.deepEqual(parseRange("bytes=-5000", 1000), { start: 0, end: 999 });
});

Deno.test("parseRange ignores what it does not honour and refuses ranges past the end", () => {
  assert.equal(parseRange(null, 1000), undefined);
  assert.equal(parseRange("bytes=0-1,5-6", 1000), undefined);
  assert.equal(parseRange("items=0-1", 1000), undefined);
  assert.equal(parseRange("bytes=9-3", 1000), undefined);
  assert.equal(parseRange("bytes=-", 1000), undefined);
  assert.equal(parseRange("bytes=1000-", 1000), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 1000), "unsatisfiable");
  assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
});

Deno.test("contentRange and attachment headers", () => {
  assert.equal(contentRange({ start: 5, end: 9 }, 10), "bytes 5-9/10");
  assert.equal(contentRange(undefined, 10), "bytes */10");
  assert.equal(
    attachment('naïve "x".txt'),
    `attachment; filename="na_ve _x_.txt"; filename*=UTF-8''na%C3%AFve%20%22x%22.txt`,
  );
});
