import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { PERMISSION_FLAGS, REPO_ROOT } from "./compile_targets.ts";
import { installArgs } from "./install.ts";

Deno.test("installArgs installs main.ts as p2pft with the executables' permissions", () => {
  assertEquals(installArgs("/src/p2pft", { root: "/opt/tools" }), [
    "install",
    "--global",
    "--force",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-sys",
    "--name",
    "p2pft",
    "--config",
    "/src/p2pft/deno.json",
    "--root",
    "/opt/tools",
    "/src/p2pft/main.ts",
  ]);
  assertEquals(installArgs("/src/p2pft").includes("--root"), false, "Deno's own default root");
});

Deno.test("deno task p2pft grants what the installed command and the executables get", async () => {
  const config = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
  const task: string = config.tasks.p2pft;
  assertEquals(task.match(/--allow-[a-z]+/g)?.toSorted(), PERMISSION_FLAGS.toSorted());
});
