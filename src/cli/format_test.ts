import assert from "node:assert/strict";
import { formatBytes, formatDuration, formatRate, listedAddress, listedName } from "./format.ts";

Deno.test("sizes, durations and rates read naturally", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(4 * 1024 * 1024), "4.0 MiB");
  assert.equal(formatBytes(1.5 * 1024 ** 3), "1.5 GiB");
  assert.equal(formatDuration(850), "850 ms");
  assert.equal(formatDuration(12_340), "12.3 s");
  assert.equal(formatDuration(245_000), "4m05s");
  assert.equal(formatDuration(7_380_000), "2h03m");
  assert.equal(formatRate(1024 * 1024, 1000), "1.0 MiB/s");
  assert.equal(formatRate(5, 0), "-");
});

Deno.test("a listing shows a folder as name/ with its file count", () => {
  assert.equal(listedName({ name: "a.bin" }), "a.bin");
  assert.equal(listedName({ name: "album", files: 0 }), "album/ (0 files)");
  assert.equal(listedName({ name: "album", files: 1 }), "album/ (1 file)");
  assert.equal(listedName({ name: "album", files: 10000 }), "album/ (10000 files)");
});

Deno.test("listedAddress marks the peers the server could not dial back", () => {
  assert.equal(listedAddress({ address: "10.0.0.3:8001" }), "10.0.0.3:8001");
  assert.equal(
    listedAddress({ address: "10.0.0.3:8001", reachable: false }),
    "10.0.0.3:8001 (unreachable)",
  );
});
