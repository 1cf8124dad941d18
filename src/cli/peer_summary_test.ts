import assert from "node:assert/strict";
import { parseUploaded } from "../../scripts/bench_parse.ts";
import { closingLine } from "./peer_summary.ts";

Deno.test("the closing line keeps the wording the bench parses", () => {
  const line = closingLine({ uploadedBytes: 8_388_608, uploadsServed: 2 }, 1520);
  assert.equal(
    line,
    "uploaded 8388608 bytes (2 chunks) to other peers; 1520 ms of CPU time in all",
  );
  assert.deepEqual(parseUploaded(line), { bytes: 8_388_608, chunks: 2, cpuMs: 1520 });
});
