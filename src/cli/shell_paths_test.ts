import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir } from "../test_dir.ts";
import { expandPaths } from "./shell_paths.ts";

Deno.test("~ is the home folder and patterns stand for what they match, sorted", async () => {
  await using dir = await tempDir();
  for (const name of ["b.jpg", "a.jpg", "notes.txt"]) {
    await Deno.writeTextFile(join(dir.path, name), "x");
  }
  const options = { cwd: dir.path, home: "/home/me" };
  assert.deepEqual(expandPaths(["~", "~/photos", "plain.txt"], options), [
    "/home/me",
    "/home/me/photos",
    "plain.txt",
  ]);
  assert.deepEqual(expandPaths(["*.jpg", "notes.tx?"], options), ["a.jpg", "b.jpg", "notes.txt"]);
  assert.throws(() => expandPaths(["*.png"], options), /no path matches \*\.png/);
});
