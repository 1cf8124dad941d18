import assert from "node:assert/strict";
import { join } from "node:path";
import { contentType, pagePath, servePageFile } from "./static_files.ts";
import { tempDir } from "../test_dir.ts";

Deno.test("contentType follows the extension", () => {
  assert.equal(contentType("index.html"), "text/html; charset=utf-8");
  assert.equal(contentType("app.JS"), "text/javascript; charset=utf-8");
  assert.equal(contentType("icon.svg"), "image/svg+xml");
  assert.equal(contentType("blob"), "application/octet-stream");
});

Deno.test("pagePath refuses anything that could leave the page folder", () => {
  assert.deepEqual(pagePath("app.js"), ["app.js"]);
  assert.deepEqual(pagePath("lib/x%20y.js"), ["lib", "x y.js"]);
  for (
    const bad of ["../x", "a/../../x", "%2e%2e/x", "a//b", "", "a\\..\\b", "%00", "%zz", "c:x"]
  ) {
    assert.equal(pagePath(bad), undefined, bad);
  }
});

Deno.test("servePageFile serves files with their type, 404 for folders and missing ones", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  await Deno.mkdir(join(dir, "sub"));
  await Deno.writeTextFile(join(dir, "sub", "a.css"), "body{}");
  const ok = await servePageFile(["sub", "a.css"], dir);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(await ok.text(), "body{}");
  assert.equal((await servePageFile(["sub"], dir)).status, 404);
  assert.equal((await servePageFile(["none.js"], dir)).status, 404);
  assert.equal((await servePageFile(undefined, dir)).status, 404);
});
