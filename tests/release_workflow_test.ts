import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { outputName, REPO_ROOT, TARGETS } from "../scripts/compile_targets.ts";

/** One step of a GitHub Actions job, as far as this test reads it. */
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  "working-directory"?: string;
}

const workflow = parse(
  await Deno.readTextFile(join(REPO_ROOT, ".github", "workflows", "release.yml")),
);
const steps: Step[] = Object.values(
  workflow.jobs as Record<string, { steps: Step[] }>,
).flatMap((job) => job.steps);
const ciScript = await Deno.readTextFile(join(REPO_ROOT, ".ci", "run"));

/** The one step that `find` picks; fails when there is none or more than one. */
function step(what: string, find: (step: Step) => boolean): Step {
  const found = steps.filter(find);
  assert(found.length === 1, `the release workflow has ${found.length} steps that ${what}`);
  return found[0];
}

const SUMS = "SHA256SUMS";

Deno.test("the release workflow runs on a v* tag with the Deno version CI uses", () => {
  assertEquals(workflow.on.push.tags, ["v*"]);
  const ciVersion = ciScript.match(/^DENO_VERSION=(\S+)$/m)?.[1];
  assert(ciVersion, ".ci/run sets DENO_VERSION");
  const setup = step("set Deno up", (s) => s.uses?.startsWith("denoland/setup-deno@") ?? false);
  assertEquals(String(setup.with?.["deno-version"]), ciVersion);
});

Deno.test("the release workflow runs the checks and tests before it builds", () => {
  const checks = steps.findIndex((s) => s.run?.includes(".ci/run"));
  const build = steps.findIndex((s) => s.run?.includes("deno task compile"));
  assert(checks >= 0 && build > checks, "the .ci/run step comes before the build");
});

Deno.test("the release workflow builds the five targets, sums them and publishes both", () => {
  const build = step("compile", (s) => s.run?.includes("deno task compile") ?? false);
  const triples = [...build.run!.matchAll(/--target\s+(\S+)/g)].map((match) => match[1]);
  assertEquals(triples, TARGETS.map((target) => target.triple));
  assert(/--out\s+dist\b/.test(build.run!), build.run!);

  const names = TARGETS.map(outputName);
  const sums = step("write the sums", (s) => s.run?.includes(SUMS) ?? false);
  assertEquals(sums["working-directory"], "dist");
  assertEquals(sums.run!.split(/\s+/), ["sha256sum", ...names, ">", SUMS]);

  const publish = step(
    "publish",
    (s) => s.uses?.startsWith("softprops/action-gh-release@") ?? false,
  );
  assertEquals(
    publish.with?.files.trim().split("\n").map((line) => line.trim()),
    [...names, SUMS].map((name) => `dist/${name}`),
  );
});
