import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256File, writeRandomFile } from "./sample_files.ts";

Deno.test("random files have the size asked for and the same seed makes the same bytes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-sample-" });
  try {
    const path = (name: string) => join(dir, name);
    for (const size of [0, 1, 5, (1 << 20) + 3]) {
      await writeRandomFile(path(`${size}.bin`), size, { seed: 7 });
      assert.equal((await Deno.stat(path(`${size}.bin`))).size, size);
    }
    await writeRandomFile(path("again.bin"), (1 << 20) + 3, { seed: 7 });
    await writeRandomFile(path("other.bin"), (1 << 20) + 3, { seed: 8 });
    const first = await sha256File(path(`${(1 << 20) + 3}.bin`));
    assert.equal(await sha256File(path("again.bin")), first);
    assert.notEqual(await sha256File(path("other.bin")), first);
    const head = await Deno.readFile(path("5.bin"));
    assert.deepEqual(head, (await Deno.readFile(path("again.bin"))).subarray(0, 5));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sha256File hashes the whole file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-sample-" });
  try {
    const path = join(dir, "abc.txt");
    await Deno.writeTextFile(path, "abc");
    assert.equal(
      await sha256File(path),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
