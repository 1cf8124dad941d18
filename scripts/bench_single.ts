/**
 * The `single` scenario of `deno task bench`: one seeder, one downloader of
 * a `--size` file into a tmpfs folder and into a disk folder, against `cp`
 * and a plain TCP stream into the same folder, SHA-256 alone over the file,
 * and `scp` and `rsync -e ssh` into the tmpfs folder; the peak RSS of the
 * downloaders and the seeder against the TCP receiver's.
 *
 * @module
 */

import { join } from "node:path";
import { copyBaseline, sha256CpuMs, tcpBaseline, type TcpRun } from "./bench_baselines.ts";
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
import { profileFlags } from "./bench_profile.ts";
import {
  BYTES_PER_GIB,
  BYTES_PER_MB,
  compareRow,
  formatMegabytes,
  formatRate,
  formatSeconds,
  formatSize,
  formatSpread,
  megabytesPerSecond,
  type Row,
  spread,
  summaryLine,
} from "./bench_report.ts";
import { type SshBaselines, sshCopy, sshReport, startSshBaselines } from "./bench_ssh.ts";
import { SSH_COPIERS } from "./bench_ssh_config.ts";

const TARGET_TMPFS_MBPS = 700;
/** Most CPU time (ms) a downloader may spend per GiB into tmpfs, start-up included. */
const TARGET_TMPFS_CPU_MS_PER_GIB = 1_200;
const TARGET_TMPFS_VS_SCP = 4;
const TARGET_DISK_VS_CP = 1.3;
const TARGET_RSS_MB = 200;

function rssRow(scenario: string, hwm: number, baseline: number): Row {
  return compareRow({
    scenario,
    value: hwm,
    baselineValue: baseline,
    format: formatMegabytes,
    baselineName: "TCP rcv",
    target: { on: "figure", comparison: "<", limit: TARGET_RSS_MB * BYTES_PER_MB },
  });
}

/** One destination folder of the single-source case, with every run's figures. */
interface Destination {
  /** `tmpfs` or `disk`. */
  where: string;
  dir: string;
  cpMs: number[];
  tcpMs: number[];
  downloads: Download[];
}

/** One round of the single-source case into `destination`: cp, TCP into the folder, p2pft. */
async function singleRound(bench: Bench, seeder: Seeder, source: string, destination: Destination) {
  const { where, dir } = destination;
  await emptyDir(dir);
  destination.cpMs.push(await copyBaseline(source, dir));
  destination.tcpMs.push((await tcpBaseline(source, dir)).ms);
  await settle();
  const flags = profileFlags(
    bench.options.profileDir,
    `downloader-${where}-${destination.downloads.length + 1}`,
  );
  const run = await finishDownload(spawnDownload(bench, seeder.fileId, dir, flags));
  const identical = await sameBytes(source, run.path);
  await Deno.remove(run.path);
  if (!identical) throw new Error(`the download into ${dir} differs from the source`);
  destination.downloads.push(run);
}

/** The downloader's best CPU time per GiB against SHA-256 alone over the same bytes. */
function cpuRow(size: number, downloads: Download[], shaMs: number): Row {
  const perGib = BYTES_PER_GIB / size;
  return compareRow({
    scenario: `${formatSize(size)} 1 source -> tmpfs: CPU per GiB`,
    value: Math.min(...downloads.map((run) => run.cpuMs)) * perGib,
    baselineValue: shaMs * perGib,
    format: formatSeconds,
    baselineName: "SHA-256",
    target: { on: "figure", comparison: "<=", limit: TARGET_TMPFS_CPU_MS_PER_GIB },
  });
}

/** Summary line and table rows of one destination. */
function singleReport(size: number, destination: Destination, tcpMbps: number): Row[] {
  const { where, dir, downloads } = destination;
  const label = formatSize(size);
  const transfer = spread(downloads.map((run) => run.transferMs));
  const cp = spread(destination.cpMs);
  const tcpDir = spread(destination.tcpMs);
  const rate = (ms: number) => formatRate(megabytesPerSecond(size, ms));
  const hwm = Math.max(...downloads.map((run) => run.hwm));
  const maxRss = Math.max(...downloads.map((run) => run.maxRss));
  console.log(summaryLine(`single -> ${where} (${dir})`, [
    `${label} transfer ${formatSpread(transfer, formatSeconds)}, best = ${rate(transfer.min)} ` +
    "(listening line to Downloaded line; every chunk verified by p2pft, bytes identical by cmp)",
    `spawn to Downloaded ${
      formatSpread(spread(downloads.map((run) => run.untilDownloadedMs)), formatSeconds)
    }`,
    `spawn to exit ${formatSpread(spread(downloads.map((run) => run.processMs)), formatSeconds)}`,
    `cp ${formatSpread(cp, formatSeconds)}, best = ${rate(cp.min)}`,
    `TCP into the folder ${formatSpread(tcpDir, formatSeconds)}, best = ${rate(tcpDir.min)}`,
    `peak RSS ${formatMegabytes(hwm)} (largest VmHWM; largest sampled VmRSS ${
      formatMegabytes(maxRss)
    })`,
    `CPU ${formatSpread(spread(downloads.map((run) => run.cpuMs)), formatSeconds)} ` +
    "(user + system, all threads, as the downloader logged it at exit)",
  ]));
  const mbps = megabytesPerSecond(size, transfer.min);
  return [
    compareRow({
      scenario: `${label} 1 source -> ${where}: rate`,
      value: mbps,
      baselineValue: tcpMbps,
      format: formatRate,
      baselineName: "TCP",
      target: where === "tmpfs"
        ? { on: "figure", comparison: ">=", limit: TARGET_TMPFS_MBPS }
        : undefined,
    }),
    compareRow({
      scenario: `${label} 1 source -> ${where}: time`,
      value: transfer.min,
      baselineValue: cp.min,
      format: formatSeconds,
      baselineName: "cp",
      target: where === "disk"
        ? { on: "ratio", comparison: "<=", limit: TARGET_DISK_VS_CP }
        : undefined,
    }),
    compareRow({
      scenario: `${label} 1 source -> ${where}: time`,
      value: transfer.min,
      baselineValue: tcpDir.min,
      format: formatSeconds,
      baselineName: "TCP->dir",
    }),
  ];
}

/** One round of the encrypted baselines: each copier pulls `source` into `dir`. */
async function sshRound(ssh: SshBaselines, source: string, options: { dir: string; size: number }) {
  for (const copier of SSH_COPIERS) {
    if (!ssh.sshd || ssh.skipped[copier]) continue;
    const target = join(options.dir, `${copier}-baseline.bin`);
    await settle();
    ssh.times[copier].push(
      await sshCopy(ssh.sshd, copier, { source, target, bytes: options.size }),
    );
    const identical = await sameBytes(source, target);
    await Deno.remove(target);
    if (!identical) {
      throw new Error(`the ${copier} copy into ${options.dir} differs from the source`);
    }
  }
}

/** Best rate of a destination's downloads (listening line to Downloaded line), in MB/s. */
function bestRate(size: number, destination: Destination): number {
  return megabytesPerSecond(size, Math.min(...destination.downloads.map((run) => run.transferMs)));
}

/** Runs the single-source case: its summary lines printed, its table rows returned. */
export async function single(bench: Bench): Promise<Row[]> {
  const size = bench.options.size;
  const label = formatSize(size);
  const source = join(bench.work, "single.bin");
  const generateMs = await generate(source, size);
  console.log(
    `single: generated ${label} of random data in ${formatSeconds(generateMs)} ` +
      `(${source}; on tmpfs, so in page cache throughout)`,
  );
  const seeder = await startSeeder(bench, source, profileFlags(bench.options.profileDir, "seeder"));
  console.log(`single: seeder shared it in ${formatSeconds(seeder.shareMs)} (start-up + hashing)`);
  const destinations: Destination[] = [
    { where: "tmpfs", dir: join(bench.work, "dl-tmpfs"), cpMs: [], tcpMs: [], downloads: [] },
    { where: "disk", dir: bench.disk, cpMs: [], tcpMs: [], downloads: [] },
  ];
  const tcp: TcpRun[] = [];
  const ssh = await startSshBaselines(bench.work);
  try {
    for (let round = 0; round < bench.options.runs; round++) {
      tcp.push(await tcpBaseline(source));
      for (const destination of destinations) await singleRound(bench, seeder, source, destination);
      await sshRound(ssh, source, { dir: destinations[0].dir, size });
    }
  } finally {
    await ssh.sshd?.[Symbol.asyncDispose]();
  }
  const tcpTimes = spread(tcp.map((run) => run.ms));
  const tcpMbps = megabytesPerSecond(size, tcpTimes.min);
  const tcpHwm = Math.max(...tcp.map((run) => run.hwm));
  console.log(summaryLine("single: TCP wire limit", [
    `${formatSpread(tcpTimes, formatSeconds)}, best = ${formatRate(tcpMbps)} ` +
    "(receiver discards; sender reads the file)",
    `receiver peak RSS ${formatMegabytes(tcpHwm)}`,
  ]));
  const [tmpfsRows, diskRows] = destinations.map((d) => singleReport(size, d, tcpMbps));
  const shaMs = await sha256CpuMs(source);
  console.log(summaryLine("single: SHA-256 alone", [
    `${formatSeconds(shaMs)} of CPU time over the file (node:crypto, 4 MiB reads from tmpfs)`,
  ]));
  const rows = [
    ...tmpfsRows,
    cpuRow(size, destinations[0].downloads, shaMs),
    ...sshReport(size, ssh, {
      p2pftMbps: bestRate(size, destinations[0]),
      scpTarget: TARGET_TMPFS_VS_SCP,
    }),
    ...diskRows,
  ];
  const uploaded = await stopSeeder(seeder);
  const seederUsage = seeder.child.usage;
  const seederHwm = Math.max(seederUsage.hwm, seederUsage.maxRss);
  const downloadCount = destinations.reduce((sum, d) => sum + d.downloads.length, 0);
  console.log(summaryLine("single: seeder", [
    `uploaded ${formatMegabytes(uploaded.bytes)} (${uploaded.chunks} chunks) for ` +
    `${downloadCount} downloads of ${formatMegabytes(size)}`,
    `peak RSS ${formatMegabytes(seederHwm)} (VmHWM read just before SIGTERM; ` +
    `max sampled VmRSS ${formatMegabytes(seederUsage.maxRss)})`,
    `CPU ${formatSeconds(seederUsage.cpuMs)} over its life (start-up, hashing, every upload)`,
  ]));
  for (const { where, downloads } of destinations) {
    const hwm = Math.max(...downloads.map((run) => run.hwm));
    rows.push(rssRow(`${label} peak RSS downloader (${where})`, hwm, tcpHwm));
  }
  rows.push(rssRow(`${label} peak RSS seeder`, seederHwm, tcpHwm));
  return rows;
}
