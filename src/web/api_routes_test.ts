import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { localPath } from "./api_routes.ts";

Deno.test("localPath expands ~ and resolves relative paths from the peer's folder", () => {
  assert.equal(localPath("~"), homedir());
  assert.equal(localPath(" ~/Music/a.mp3 "), join(homedir(), "Music/a.mp3"));
  assert.equal(localPath("notes.txt"), resolve("notes.txt"));
  assert.equal(localPath("/srv/x"), "/srv/x");
});
