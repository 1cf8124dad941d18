import assert from "node:assert/strict";
import { profileFlags, summariseProfiles } from "./bench_profile.ts";

Deno.test("profiles of a folder that no scenario wrote are reported missing, not a crash", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = `${dir}/never-written`;
    assert.equal(await summariseProfiles(missing, 5), `no .cpuprofile files under ${missing}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("peers are profiled into a folder of their own only when --profile is given", () => {
  assert.deepEqual(profileFlags(null, "seeder"), []);
  assert.deepEqual(profileFlags("/tmp/prof", "seeder"), [
    "--cpu-prof",
    "--cpu-prof-dir=/tmp/prof/seeder",
  ]);
});
