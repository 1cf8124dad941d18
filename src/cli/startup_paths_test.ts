import assert from "node:assert/strict";
import { join } from "node:path";
import { checkStartupPaths } from "./startup_paths.ts";

Deno.test("a missing -r path is named absolute, with a close name in its folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "hello.txt"), "hi");
    await checkStartupPaths({ register: ["hello.txt"], out: "." }, dir);
    await assert.rejects(
      checkStartupPaths({ register: ["hello.txt", "helo.txt"], out: "." }, dir),
      new RegExp(
        `^Error: cannot register ${join(dir, "helo.txt")}: no such file or folder; ` +
          `did you mean ${join(dir, "hello.txt")}\\?$`,
      ),
    );
    await assert.rejects(
      checkStartupPaths({ register: ["budget.xlsx"], out: "." }, dir),
      /no such file or folder$/,
    );
    await assert.rejects(
      checkStartupPaths({ register: ["gone/x.bin"], out: "." }, dir),
      new RegExp(`no such file or folder \\(no folder ${join(dir, "gone")}\\)$`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("-o may be a folder or nothing yet, not a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "taken"), "");
    await checkStartupPaths({ register: [], out: "new/folder" }, dir);
    await checkStartupPaths({ register: [], out: "." }, dir);
    await assert.rejects(
      checkStartupPaths({ register: [], out: "taken" }, dir),
      new RegExp(`cannot save downloads in ${join(dir, "taken")}: it is a file, not a folder`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
