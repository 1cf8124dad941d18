import assert from "node:assert/strict";
import { join } from "node:path";
import { assertSameTree, tarNc, tarNcSkipReason } from "./bench_folder.ts";

const ncSkipped = await tarNcSkipReason();

async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
}

Deno.test("trees differing in a path or in bytes are told apart, equal ones pass", async () => {
  const parent = await Deno.makeTempDir({ prefix: "p2pft-bench-folder-test-" });
  try {
    const files = { "a/b/one.txt": "one", "a/two.txt": "two", "three.txt": "three" };
    await tree(join(parent, "source"), files);
    await tree(join(parent, "same"), files);
    await tree(join(parent, "bytes"), { ...files, "a/two.txt": "tw0" });
    await tree(join(parent, "extra"), { ...files, "a/b/four.txt": "" });
    const source = join(parent, "source");
    await assertSameTree(source, join(parent, "same"), "copy");
    await assert.rejects(assertSameTree(source, join(parent, "bytes"), "copy"), /differ/);
    await assert.rejects(assertSameTree(source, join(parent, "extra"), "copy"), /Only in/);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test({
  name: "tar | nc copies a tree over loopback, and leaves neither copy nor process behind",
  ignore: ncSkipped !== null,
  fn: async () => {
    const parent = await Deno.makeTempDir({ prefix: "p2pft-bench-folder-test-" });
    try {
      const source = join(parent, "source");
      await tree(source, { "x/y/z.bin": "bytes", "top.txt": "top", "x/empty.txt": "" });
      const target = join(parent, "target");
      const ms = await tarNc(source, target);
      assert.ok(ms > 0);
      assert.equal(await Deno.stat(target).then(() => true, () => false), false);
    } finally {
      await Deno.remove(parent, { recursive: true });
    }
  },
});
