/**
 * The CPU time of p2pft downloaders on a shaped network, builds compared
 * round by round: the shaped scenario's LAN (see bench_shaped.ts), one
 * seeder and `--count` downloaders started together, repeated `--rounds`
 * times for each checkout given with `--build` (default this one),
 * alternating between them so that other work on the machine weighs on all
 * alike. Prints, per run, the load average, the wall time, each
 * downloader's CPU time and the seeder's; `--profile DIR` runs the
 * downloaders with `--cpu-prof` and lists their top functions.
 *
 * `deno run -A scripts/bench_shaped_cpu.ts --count 4 --rounds 3 --build /work/main --build .`
 *
 * @module
 */

import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLan, type Lan } from "./netns.ts";
import { type Launcher, MAIN, P2pftProcess } from "./process_harness.ts";
import { parseFileId } from "./bench_parse.ts";
import { parseSize } from "./bench_report.ts";
import { emptyDir, finishDownload, generate } from "./bench_peers.ts";
import { summariseProfiles } from "./bench_profile.ts";
import {
  type CpuRun,
  downloaderHosts,
  formatCpuRun,
  formatCpuRuns,
  hostCount,
  HUB_HOST,
  parseRate,
  SEEDER_HOST,
  tbfQdisc,
  wallMs,
} from "./bench_shaped_plan.ts";

/** Third octet of the LAN's addresses (not the shaped scenario's, so both may run). */
const SUBNET = 78;

/** Longest the seeder may take to share the file. */
const SEED_TIMEOUT_MS = 60_000;

/** Functions listed per profile. */
const PROFILE_TOP = 25;

/** Starts processes of the checkout whose entry point is `main` on `host`. */
function launcher(lan: Lan, host: number, main: string): Launcher {
  return (cmd, options) => lan.exec(host, cmd.map((part) => part === MAIN ? main : part), options);
}

async function run(
  lan: Lan,
  options: { main: string; server: string; source: string; count: number; work: string },
  profileDir: string | undefined,
): Promise<CpuRun> {
  const peer = (host: number, args: string[], denoFlags: string[] = []) =>
    new P2pftProcess(
      ["peer", "--addr", `${lan.hosts[host].ip}:0`, "--server", options.server, ...args],
      { launch: launcher(lan, host, options.main), watchUsage: true, denoFlags },
    );
  await using seeder = peer(SEEDER_HOST, ["-r", options.source]);
  const fileId = (await seeder.stdout.waitForLine(parseFileId, SEED_TIMEOUT_MS)).value;
  const hosts = downloaderHosts(options.count);
  const downloads = await Promise.all(hosts.map(async (host) => {
    const dir = join(options.work, `cpu-${host}`);
    await emptyDir(dir);
    const flags = profileDir
      ? ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, `downloader-${host}`)}`]
      : [];
    const child = peer(host, ["-d", fileId, "-o", dir, "--exit-when-done"], flags);
    const done = await finishDownload(child);
    await Deno.remove(dir, { recursive: true });
    return done;
  }));
  await seeder.stop();
  const seederCpuMs = (await seeder.uploaded().catch(() => null))?.cpuMs ?? seeder.usage.cpuMs;
  return {
    wallMs: wallMs(downloads),
    cpuMs: downloads.map((download) => download.cpuMs),
    seederCpuMs,
  };
}

/** What {@linkcode measure} runs. */
interface MeasureOptions {
  /** Entry points of the checkouts compared. */
  builds: string[];
  /** Downloaders started together. */
  count: number;
  rounds: number;
  /** Folder for the source file and the downloads. */
  work: string;
  /** Link rate and file size, as given on the command line. */
  rate: string;
  size: string;
  /** Folder for the downloaders' CPU profiles, if they are profiled. */
  profile: string | undefined;
}

/** Runs `rounds` groups of each build in turn on one shaped LAN and prints each and the means. */
async function measure(options: MeasureOptions): Promise<void> {
  const { builds, count, work } = options;
  const source = join(work, "source.bin");
  await generate(source, parseSize(options.size));
  await using lan = await createLan(hostCount(count), {
    subnet: SUBNET,
    qdisc: tbfQdisc(parseRate(options.rate)),
  });
  await using server = await new P2pftProcess(
    ["server", "--addr", `${lan.hosts[HUB_HOST].ip}:0`],
    { launch: launcher(lan, HUB_HOST, MAIN) },
  ).listening();
  const all = builds.map((): CpuRun[] => []);
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, build] of builds.entries()) {
      const load = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
      const profileDir = options.profile ? join(options.profile, `${i}-${round}`) : undefined;
      const figures = await run(
        lan,
        { main: build, server: server.address, source, count, work },
        profileDir,
      );
      all[i].push(figures);
      console.log(`${build} round ${round + 1}, load average ${load}: ${formatCpuRun(figures)}`);
      if (profileDir) console.log(await summariseProfiles(profileDir, PROFILE_TOP));
    }
  }
  for (const [i, build] of builds.entries()) console.log(`${build}: ${formatCpuRuns(all[i])}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      count: { type: "string", default: "4" },
      rounds: { type: "string", default: "3" },
      size: { type: "string", default: "128M" },
      rate: { type: "string", default: "200mbit" },
      build: { type: "string", multiple: true },
      work: { type: "string", default: "/dev/shm/p2pft-shaped-cpu" },
      profile: { type: "string" },
    },
  });
  const count = Number(values.count);
  const builds = (values.build ?? ["."]).map((dir) => resolve(dir, "main.ts"));
  const work = values.work!;
  await Deno.mkdir(work, { recursive: true });
  try {
    await measure({
      builds,
      count,
      rounds: Number(values.rounds),
      work,
      rate: values.rate!,
      size: values.size!,
      profile: values.profile,
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) await main();
