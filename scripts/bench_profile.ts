/**
 * Summaries of V8 CPU profiles (`deno run --cpu-prof`) for
 * `deno task bench --profile DIR`: the top self-time functions of every
 * `.cpuprofile` under a folder. Also runs alone:
 * `deno run -A scripts/bench_profile.ts DIR [TOP]`.
 *
 * @module
 */

import { join } from "node:path";
import { MICROSECONDS_PER_MS } from "../src/constants.ts";
import { type CpuProfile, topSelfTime } from "./bench_parse.ts";

/** Functions listed per profile when run alone. */
const DEFAULT_TOP = 15;

/** Percent in a share of 1. */
const PERCENT = 100;

/** Width of the sample-count column. */
const SAMPLES_WIDTH = 7;

/** Width of the percentage column. */
const PERCENT_WIDTH = 6;

async function* profiles(dir: string): AsyncGenerator<string> {
  const entries = [];
  try {
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
  } catch (error) {
    // Only the single-source scenario profiles: with another, nothing was written.
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* profiles(path);
    else if (entry.name.endsWith(".cpuprofile")) yield path;
  }
}

/**
 * Deno flags that make the peer `name` write a CPU profile into its own
 * folder under `dir` (`--profile DIR`); none without a `dir`.
 */
export function profileFlags(dir: string | null, name: string): string[] {
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, name)}`] : [];
}

/** The top `top` self-time functions of every `.cpuprofile` under `dir`, as text. */
export async function summariseProfiles(dir: string, top: number): Promise<string> {
  const parts: string[] = [];
  for await (const path of profiles(dir)) {
    const profile: CpuProfile = JSON.parse(await Deno.readTextFile(path));
    const spanMs = (profile.endTime - profile.startTime) / MICROSECONDS_PER_MS;
    const lines = topSelfTime(profile, top).map((entry) =>
      `  ${String(entry.samples).padStart(SAMPLES_WIDTH)} ` +
      `${(entry.share * PERCENT).toFixed(1).padStart(PERCENT_WIDTH)}%  ${entry.where}`
    );
    parts.push(
      [`profile ${path} (${spanMs.toFixed(0)} ms; top ${top} by self samples):`, ...lines]
        .join("\n"),
    );
  }
  return parts.length ? parts.join("\n\n") : `no .cpuprofile files under ${dir}`;
}

if (import.meta.main) {
  const [dir, top] = Deno.args;
  if (!dir) throw new Error("usage: bench_profile.ts DIR [TOP]");
  console.log(await summariseProfiles(dir, top ? Number(top) : DEFAULT_TOP));
}
