/**
 * The `swarm` scenario of `deno task bench`: one seeder and four
 * downloaders started together on a `--swarm-size` file, against one
 * downloader alone; bytes the seeder uploaded against the file size; the
 * CPU time of both, and the floor the swarm's CPU time sets on this
 * machine's cores. Four downloads apart (four seeders of four files, each
 * downloader fetching its own) started together on the same cores give the
 * CPU time that sharing them costs without any swarm.
 *
 * @module
 */

import { join } from "node:path";
import type { Bench } from "./bench_options.ts";
import {
  type Download,
  emptyDir,
  finishDownload,
  generate,
  sameBytes,
  type Seeder,
  settle,
  spawnDownload,
  startSeeder,
  stopSeeder,
} from "./bench_peers.ts";
import {
  compareRow,
  formatMegabytes,
  formatRatio,
  formatSeconds,
  formatSize,
  formatSpread,
  type Row,
  spread,
  summaryLine,
} from "./bench_report.ts";

const SWARM_DOWNLOADERS = 4;
/** Most CPU time a swarm downloader may take, as a multiple of one alone (both with their uploads). */
const TARGET_SWARM_CPU_VS_ALONE = 1.1;
const TARGET_SWARM_VS_ALONE = 2;
const TARGET_SEEDER_UPLOAD_VS_FILE = 2;

/** One round of the swarm case: one downloader alone, then all of them together. */
interface SwarmRound {
  alone: Download;
  aloneUploaded: number;
  /** CPU time of the alone download: downloader plus the seeder while it served, in ms. */
  aloneCpuMs: number;
  runs: Download[];
  wallMs: number;
  uploaded: number;
  /** CPU time of the swarm: every downloader plus the seeder while it served, in ms. */
  swarmCpuMs: number;
  /** CPU time of four downloads apart at once: every downloader plus every seeder while it served, in ms. */
  apartCpuMs: number;
}

/** What a seeder uploaded and the CPU time it spent from `cpuBeforeMs` to its stop. */
async function stopSeederAfter(seeder: Seeder, cpuBeforeMs: number) {
  const uploaded = await stopSeeder(seeder);
  const cpuMs = uploaded.cpuMs ?? seeder.child.usage.cpuMs;
  return { uploaded: uploaded.bytes, cpuMs: cpuMs - cpuBeforeMs };
}

/** A seeder's CPU time so far, in ms, sampled now. */
function cpuNow(seeder: Seeder): number {
  seeder.child.sample();
  return seeder.child.usage.cpuMs;
}

/**
 * Four downloads apart started together, `sources[i]` from a seeder of its
 * own into a folder of its own: the swarm's work without the swarm. Resolves
 * to their CPU time, the seeders' while they served included, in ms.
 */
async function apartRound(bench: Bench, sources: string[]): Promise<number> {
  const dirs = sources.map((_, i) => join(bench.work, `apart-${i}`));
  await Promise.all(dirs.map(emptyDir));
  const seeders = await Promise.all(sources.map((source) => startSeeder(bench, source)));
  await settle();
  const before = seeders.map(cpuNow);
  const children = seeders.map((seeder, i) => spawnDownload(bench, seeder.fileId, dirs[i]));
  const runs = await Promise.all(children.map(finishDownload));
  const served = await Promise.all(seeders.map((seeder, i) => stopSeederAfter(seeder, before[i])));
  const identical = await Promise.all(runs.map((run, i) => sameBytes(sources[i], run.path)));
  await Promise.all(dirs.map((dir) => Deno.remove(dir, { recursive: true })));
  if (identical.includes(false)) throw new Error("a download apart differs");
  return runs.reduce((sum, run) => sum + run.cpuMs, 0) +
    served.reduce((sum, seeder) => sum + seeder.cpuMs, 0);
}

async function swarmRound(bench: Bench, sources: string[]): Promise<SwarmRound> {
  const source = sources[0];
  const aloneDir = join(bench.work, "alone");
  await emptyDir(aloneDir);
  const first = await startSeeder(bench, source);
  await settle();
  const firstCpu = cpuNow(first);
  const alone = await finishDownload(spawnDownload(bench, first.fileId, aloneDir));
  const aloneSeeder = await stopSeederAfter(first, firstCpu);
  const aloneOk = await sameBytes(source, alone.path);
  await Deno.remove(aloneDir, { recursive: true });

  const dirs = Array.from({ length: SWARM_DOWNLOADERS }, (_, i) => join(bench.work, `swarm-${i}`));
  await Promise.all(dirs.map(emptyDir));
  const seeder = await startSeeder(bench, source);
  await settle();
  const seederCpu = cpuNow(seeder);
  const children = dirs.map((dir) => spawnDownload(bench, seeder.fileId, dir));
  const runs = await Promise.all(children.map(finishDownload));
  const swarmSeeder = await stopSeederAfter(seeder, seederCpu);
  const identical = await Promise.all(runs.map((run) => sameBytes(source, run.path)));
  await Promise.all(dirs.map((dir) => Deno.remove(dir, { recursive: true })));
  if (!aloneOk || identical.includes(false)) throw new Error("a swarm download differs");
  const apartCpuMs = await apartRound(bench, sources);
  const wallMs = Math.max(...runs.map((run) => run.ended)) -
    Math.min(...runs.map((run) => run.started));
  return {
    alone,
    aloneUploaded: aloneSeeder.uploaded,
    aloneCpuMs: alone.cpuMs + aloneSeeder.cpuMs,
    runs,
    wallMs,
    uploaded: swarmSeeder.uploaded,
    swarmCpuMs: runs.reduce((sum, run) => sum + run.cpuMs, swarmSeeder.cpuMs),
    apartCpuMs,
  };
}

/** Runs the swarm case: its summary line printed, its table rows returned. */
export async function swarm(bench: Bench): Promise<Row[]> {
  const size = bench.options.swarmSize;
  const label = formatSize(size);
  const sources = Array.from(
    { length: SWARM_DOWNLOADERS },
    (_, i) => join(bench.work, i === 0 ? "swarm.bin" : `apart-${i}.bin`),
  );
  for (const source of sources) await generate(source, size);
  const rounds: SwarmRound[] = [];
  for (let round = 0; round < bench.options.runs; round++) {
    rounds.push(await swarmRound(bench, sources));
  }
  const wall = spread(rounds.map((round) => round.wallMs));
  const alone = spread(rounds.map((round) => round.alone.processMs));
  const uploads = rounds.map((round) => round.uploaded);
  const worstUpload = Math.max(...uploads);
  const cores = navigator.hardwareConcurrency;
  const aloneCpu = spread(rounds.map((round) => round.aloneCpuMs));
  const swarmCpu = spread(rounds.map((round) => round.swarmCpuMs));
  const apartCpu = spread(rounds.map((round) => round.apartCpuMs));
  const swarmFloor = spread(rounds.map((round) => round.swarmCpuMs / cores));
  const shares = rounds.map((round) =>
    round.runs.map((run) => formatMegabytes(run.uploaded)).join(", ")
  );
  console.log(summaryLine(`swarm: 1 seeder + ${SWARM_DOWNLOADERS} downloaders of ${label}`, [
    `all done ${formatSpread(wall, formatSeconds)} after the first spawn`,
    `each downloader ${
      formatSpread(spread(rounds.flatMap((r) => r.runs.map((run) => run.processMs))), formatSeconds)
    }`,
    `one alone ${formatSpread(alone, formatSeconds)} (transfer ${
      formatSpread(spread(rounds.map((r) => r.alone.transferMs)), formatSeconds)
    })`,
    `seeder uploaded ${uploads.map(formatMegabytes).join(", ")} ` +
    `(${uploads.map((bytes) => formatRatio(bytes / size)).join(", ")} the file)`,
    `downloaders uploaded ${shares.join(" / ")}`,
    `alone, the seeder uploaded ${rounds.map((r) => formatMegabytes(r.aloneUploaded)).join(", ")}`,
    `CPU alone ${formatSpread(aloneCpu, formatSeconds)}, swarm ${
      formatSpread(swarmCpu, formatSeconds)
    }, ${SWARM_DOWNLOADERS} apart at once ${
      formatSpread(apartCpu, formatSeconds)
    } (user + system of the downloaders, start-up included, and of the seeders while they served)`,
    `on ${cores} cores the swarm cannot end before its CPU time / ${cores} = ` +
    `${formatSeconds(swarmFloor.min)}, ${formatRatio(swarmFloor.min / alone.min)} one alone`,
    "times are spawn to exit; downloads into tmpfs, bytes identical by cmp",
  ]));
  return [
    compareRow({
      scenario: `${label} swarm 1+${SWARM_DOWNLOADERS}: wall time`,
      value: wall.min,
      baselineValue: alone.min,
      format: formatSeconds,
      baselineName: "alone",
      target: { on: "ratio", comparison: "<=", limit: TARGET_SWARM_VS_ALONE },
    }),
    compareRow({
      scenario: `${label} swarm 1+${SWARM_DOWNLOADERS}: CPU time / ${cores} cores`,
      value: swarmFloor.min,
      baselineValue: alone.min,
      format: formatSeconds,
      baselineName: "alone",
    }),
    compareRow({
      scenario: `${label} swarm 1+${SWARM_DOWNLOADERS}: CPU per downloader`,
      value: swarmCpu.min / SWARM_DOWNLOADERS,
      baselineValue: aloneCpu.min,
      format: formatSeconds,
      baselineName: "alone",
      target: { on: "ratio", comparison: "<=", limit: TARGET_SWARM_CPU_VS_ALONE },
    }),
    compareRow({
      scenario: `${label} ${SWARM_DOWNLOADERS} apart at once: CPU per downloader`,
      value: apartCpu.min / SWARM_DOWNLOADERS,
      baselineValue: aloneCpu.min,
      format: formatSeconds,
      baselineName: "alone",
    }),
    compareRow({
      scenario: `${label} swarm 1+${SWARM_DOWNLOADERS}: CPU per downloader`,
      value: swarmCpu.min / SWARM_DOWNLOADERS,
      baselineValue: apartCpu.min / SWARM_DOWNLOADERS,
      format: formatSeconds,
      baselineName: `${SWARM_DOWNLOADERS} apart`,
    }),
    compareRow({
      scenario: `${label} swarm 1+${SWARM_DOWNLOADERS}: seeder upload`,
      value: worstUpload,
      baselineValue: size,
      format: formatMegabytes,
      baselineName: "file",
      target: { on: "ratio", comparison: "<", limit: TARGET_SEEDER_UPLOAD_VS_FILE },
    }),
  ];
}
