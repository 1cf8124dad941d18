import assert from "node:assert/strict";
import {
  countFiles,
  countSources,
  describeWay,
  fileLink,
  formatEta,
  formatRate,
  formatSize,
  percent,
  savedName,
} from "./format.js";

Deno.test("formatSize uses binary units with one decimal past bytes", () => {
  assert.equal(formatSize(0), "0 B");
  assert.equal(formatSize(1023), "1023 B");
  assert.equal(formatSize(1024), "1.0 KiB");
  assert.equal(formatSize(100 * 1024 * 1024), "100.0 MiB");
  assert.equal(formatSize(3 * 1024 ** 3), "3.0 GiB");
});

Deno.test("formatRate shows a dash when nothing moves", () => {
  assert.equal(formatRate(0), "-");
  assert.equal(formatRate(Number.NaN), "-");
  assert.equal(formatRate(2.5 * 1024 * 1024), "2.5 MiB/s");
});

Deno.test("formatEta rounds up to seconds, then minutes and hours", () => {
  assert.equal(formatEta(null), "");
  assert.equal(formatEta(undefined), "");
  assert.equal(formatEta(Number.POSITIVE_INFINITY), "");
  assert.equal(formatEta(-1), "");
  assert.equal(formatEta(0.2), "1 s");
  assert.equal(formatEta(59), "59 s");
  assert.equal(formatEta(245), "4 min 05 s");
  assert.equal(formatEta(7380), "2 h 03 min");
});

Deno.test("percent stays within 0 to 100 and counts an empty file done", () => {
  assert.equal(percent(0, 200), 0);
  assert.equal(percent(199, 200), 99);
  assert.equal(percent(200, 200), 100);
  assert.equal(percent(300, 200), 100);
  assert.equal(percent(0, 0), 100);
});

Deno.test("counts take the singular for one", () => {
  assert.equal(countSources(1), "1 source");
  assert.equal(countSources(3), "3 sources");
  assert.equal(countFiles(1), "1 file");
  assert.equal(countFiles(0), "0 files");
});

Deno.test("describeWay says how the bytes come and passes unknown ways through", () => {
  assert.equal(describeWay("direct"), "direct");
  assert.match(describeWay("reversed"), /^reversed/);
  assert.match(describeWay("relayed"), /server/);
  assert.equal(describeWay("carrier pigeon"), "carrier pigeon");
});

Deno.test("fileLink escapes the ID and the name", () => {
  assert.equal(fileLink("ab", "a b#?.txt"), "/files/ab/a%20b%23%3F.txt");
});

Deno.test("savedName gives a folder the .zip the peer sends it as", () => {
  assert.equal(savedName("photos", true), "photos.zip");
  assert.equal(savedName("a.txt", false), "a.txt");
});
