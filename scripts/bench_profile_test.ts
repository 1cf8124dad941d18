import assert from "node:assert/strict";
import { summariseProfiles } from "./bench_profile.ts";

Deno.test("profiles of a folder that no scenario wrote are reported missing, not a crash", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = `${dir}/never-written`;
    assert.equal(await summariseProfiles(missing, 5), `no .cpuprofile files under ${missing}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
