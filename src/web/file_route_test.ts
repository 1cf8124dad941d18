import assert from "node:assert/strict";
import { downloadType } from "./file_route.ts";

Deno.test("downloadType keeps media types, never one that runs in the page", () => {
  assert.equal(downloadType("photo.PNG"), "image/png");
  assert.equal(downloadType("notes.txt"), "text/plain; charset=utf-8");
  assert.equal(downloadType("clip.mp4"), "video/mp4");
  for (const name of ["x.html", "x.svg", "x.js", "x.mjs", "x.json", "blob"]) {
    assert.equal(downloadType(name), "application/octet-stream", name);
  }
});
