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
  downloaderHosts,
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

/** One run's figures. */
interface RunFigures {
  wallMs: number;
  cpuMs: number[];
  seederCpuMs: number;
}

/** Starts processes of the checkout whose entry point is `main` on `host`. */
function launcher(lan: Lan, host: number, main: string): Launcher {
  return (cmd, options) => lan.exec(host, cmd.map((part) => part === MAIN ? main : part), options);
}

async function run(
  lan: Lan,
  options: { main: string; server: string; source: string; count: number; work: string },
  profileDir: string | undefined,
): Promise<RunFigures> {
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

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
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
  const source = join(work, "source.bin");
  await Deno.mkdir(work, { recursive: true });
  await generate(source, parseSize(values.size!));
  await using lan = await createLan(hostCount(count), {
    subnet: SUBNET,
    qdisc: tbfQdisc(parseRate(values.rate!)),
  });
  await using server = await new P2pftProcess(
    ["server", "--addr", `${lan.hosts[HUB_HOST].ip}:0`],
    { launch: launcher(lan, HUB_HOST, MAIN) },
  ).listening();
  const all = builds.map((): RunFigures[] => []);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [i, build] of builds.entries()) {
      const load = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
      const profileDir = values.profile ? join(values.profile, `${i}-${round}`) : undefined;
      const figures = await run(
        lan,
        { main: build, server: server.address, source, count, work },
        profileDir,
      );
      all[i].push(figures);
      console.log(
        `${build} round ${round + 1} load ${load}: wall ${(figures.wallMs / 1000).toFixed(2)} s, ` +
          `CPU per downloader ${(mean(figures.cpuMs) / 1000).toFixed(3)} s ` +
          `(${figures.cpuMs.map((ms) => (ms / 1000).toFixed(2)).join(" ")}), ` +
          `seeder ${(figures.seederCpuMs / 1000).toFixed(2)} s`,
      );
      if (profileDir) console.log(await summariseProfiles(profileDir, PROFILE_TOP));
    }
  }
  for (const [i, build] of builds.entries()) {
    const cpu = all[i].map((figures) => mean(figures.cpuMs) / 1000);
    const wall = all[i].map((figures) => figures.wallMs / 1000);
    console.log(
      `${build}: CPU per downloader mean ${mean(cpu).toFixed(3)} s ` +
        `(${cpu.map((s) => s.toFixed(2)).join(" ")}), wall mean ${mean(wall).toFixed(2)} s ` +
        `(${wall.map((s) => s.toFixed(2)).join(" ")})`,
    );
  }
  await Deno.remove(work, { recursive: true });
}

if (import.meta.main) await main();
