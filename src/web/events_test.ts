import assert from "node:assert/strict";
import { sseEvent } from "./events.ts";

Deno.test("sseEvent frames one event with its JSON on one data line", () => {
  assert.equal(
    sseEvent("downloads", { downloads: [{ name: "a\nb" }] }),
    'event: downloads\ndata: {"downloads":[{"name":"a\\nb"}]}\n\n',
  );
});
