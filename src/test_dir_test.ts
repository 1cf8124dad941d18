import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "./test_dir.ts";

Deno.test("a temporary folder is removed with its content when its scope ends", async () => {
  let path = "";
  {
    await using dir = await tempDir();
    path = dir.path;
    await Deno.mkdir(join(path, "sub"));
    await Deno.writeTextFile(join(path, "sub", "a.txt"), "a");
  }
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});

Deno.test("a temporary folder is removed even when the test throws", async () => {
  let path = "";
  await assert.rejects(async () => {
    await using dir = await tempDir();
    path = dir.path;
    throw new Error("boom");
  }, /boom/);
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
});
