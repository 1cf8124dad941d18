import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatFields, formatTable } from "./table.ts";

Deno.test("formatTable lines columns up and right-aligns when asked", () => {
  assertEquals(
    formatTable([["a.bin", "1.0 KiB"], ["longer.iso", "12 B"]], {
      header: ["NAME", "SIZE"],
      align: ["left", "right"],
    }),
    ["NAME           SIZE", "a.bin       1.0 KiB", "longer.iso     12 B"],
  );
});

Deno.test("formatFields aligns values", () => {
  assertEquals(formatFields([["peers", "2"], ["bytes indexed", "1 B"]]), [
    "peers          2",
    "bytes indexed  1 B",
  ]);
});

Deno.test("cells from the network are escaped before the columns are measured", () => {
  assertEquals(
    formatTable([["a\u001b[2J", "1"], ["b\nERROR forged", "2"]], { header: ["NAME", "N"] }),
    ["NAME             N", "a\\u001b[2J       1", "b\\nERROR forged  2"],
  );
  assertEquals(formatFields([["peer ID", "x\u202ey"]]), ["peer ID  x\\u202ey"]);
});
