import assert from "node:assert/strict";
import { join } from "node:path";
import { PRIVATE_FILE_MODE, readTextFileIfExists, writePrivateFile } from "./private_file.ts";

Deno.test("a private file is written whole with mode 0600 and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "secret");
    await writePrivateFile(path, "first\n");
    await writePrivateFile(path, "second\n");
    assert.equal(await Deno.readTextFile(path), "second\n");
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(path)).mode! & 0o777, PRIVATE_FILE_MODE);
    }
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name),
      ["secret"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed private write leaves the old file and no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "secret");
    await writePrivateFile(path, "old\n");
    await Deno.mkdir(join(dir, "blocker"));
    await assert.rejects(writePrivateFile(join(dir, "blocker"), "new\n"));
    assert.equal(await Deno.readTextFile(path), "old\n");
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort(),
      ["blocker", "secret"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reading a missing file gives undefined, other failures throw", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await readTextFileIfExists(join(dir, "missing")), undefined);
    await assert.rejects(readTextFileIfExists(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
