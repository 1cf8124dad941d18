/**
 * `deno task bench`: throughput, swarm efficiency and memory of real p2pft
 * server and peer processes on loopback (127.0.0.1 only), each figure next
 * to a baseline measured in the same run. A script, not a test: it prints a
 * table and one summary line per scenario, marks targets met or missed, and
 * never fails on them.
 *
 * Scenarios:
 * - `single`: one seeder, one downloader of a `--size` file (1 GiB) into a
 *   tmpfs folder and into a disk folder, against `cp` of the same file to the
 *   same folder and a plain TCP stream of the same bytes (see bench_tcp.ts);
 *   the tmpfs rate also against `scp` and `rsync -e ssh` of the same file
 *   into the same folder over the bench's own sshd on loopback (see
 *   bench_ssh.ts), the encrypted tools users pick; peak RSS of the
 *   downloaders and the seeder against the TCP receiver's.
 * - `swarm`: one seeder and four downloaders started together on a
 *   `--swarm-size` file (256 MiB), against one downloader alone; bytes the
 *   seeder uploaded against the file size; the CPU time of both, and the
 *   floor the swarm's CPU time sets on this machine's cores.
 * - `shaped`: one seeder and groups of four and eight downloaders started
 *   together on a `--shaped-size` file (128 MiB), each host in a network
 *   namespace whose link `tc` caps at `--rate` (200mbit) each way, against
 *   one downloader alone, and aria2c over BitTorrent on the same network
 *   (see bench_shaped.ts); needs root.
 * - `relay`: one source to one downloader of a `--swarm-size` file through
 *   the server's relay, against the same download direct (see
 *   bench_relay.ts).
 * - `web`: the page a peer serves with `--web`, in chromium: its first
 *   load (in the browser, till the files show) against its `load` event, and
 *   a `--swarm-size` file saved to the browser from `/files` against `curl`
 *   on the same address and against the browser from a plain HTTP server
 *   (see bench_web.ts).
 * - `folder`: a tree of `--folder-files` small files (10,000) against
 *   `tar c | nc` into `tar x` over loopback, and a folder of eight
 *   `--folder-part` files (128 MiB) against one file of their total size
 *   (see bench_folder.ts).
 * - `index`: one server holding `--index-peers` (2,000) simulated peers
 *   over the real protocol: registration rate, RSS per peer, lookup and
 *   `sources` latency at 200 a second, a day of heartbeats, everyone
 *   leaving at once (see bench_index.ts).
 * - `replicas`: the index case's `--index-peers` split between two server
 *   replicas on a Redis of its own: registration until both list every
 *   peer, RSS per peer of each, Redis memory per peer, lookup and `sources`
 *   latency at 200 a second over both (see bench_replicas.ts; skipped
 *   without redis-server).
 *
 * Run `deno task bench --help` for the options.
 *
 * @module
 */

import { createHash } from "node:crypto";
import process from "node:process";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Child,
  MAIN,
  output,
  RUN_FLAGS,
  startServer,
  stopAll,
  USAGE_POLL_MS,
} from "./process_harness.ts";
import { parseMemTotal, parseTcpPort, parseTcpReceived } from "./bench_parse.ts";
import {
  BYTES_PER_GIB,
  BYTES_PER_MB,
  compareRow,
  formatMegabytes,
  formatRate,
  formatRatio,
  formatSeconds,
  formatSize,
  formatSpread,
  megabytesPerSecond,
  parseSize,
  renderTable,
  type Row,
  spread,
  summaryLine,
  tally,
} from "./bench_report.ts";
import { summariseProfiles } from "./bench_profile.ts";
import { MICROSECONDS_PER_MS } from "../src/constants.ts";
import { folder, FOLDER_PARTS } from "./bench_folder.ts";
import { shaped } from "./bench_shaped.ts";
import { relay } from "./bench_relay.ts";
import { web } from "./bench_web.ts";
import { indexScenario } from "./bench_index.ts";
import { replicasScenario } from "./bench_replicas.ts";
import { hasRedisServer } from "./redis_server.ts";
import { deleteOwnNamespaces } from "./netns.ts";
import { parseRate } from "./bench_shaped_plan.ts";
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
import { type SshBaselines, sshCopy, sshReport, startSshBaselines } from "./bench_ssh.ts";
import { SSH_COPIERS } from "./bench_ssh_config.ts";

const TCP_SCRIPT = fileURLToPath(new URL("./bench_tcp.ts", import.meta.url));
const REPO = fileURLToPath(new URL("..", import.meta.url));

/** The tmpfs the data and the tmpfs destination live on. */
const TMPFS = "/dev/shm";
const DEFAULT_DISK_DIR = join(REPO, ".bench");

const DEFAULT_SIZE = "1G";
const DEFAULT_SWARM_SIZE = "256M";
const DEFAULT_SHAPED_SIZE = "128M";
const QUICK_SHAPED_SIZE = "32M";
const DEFAULT_RATE = "200mbit";
const QUICK_SIZE = "128M";
const QUICK_SWARM_SIZE = "64M";
const DEFAULT_FOLDER_FILES = 10_000;
const DEFAULT_FOLDER_PART = "128M";
const QUICK_FOLDER_FILES = 1_000;
const QUICK_FOLDER_PART = "16M";
const SWARM_DOWNLOADERS = 4;
const DEFAULT_INDEX_PEERS = 2_000;
const QUICK_INDEX_PEERS = 500;
const DEFAULT_INDEX_SECONDS = 20;
const QUICK_INDEX_SECONDS = 5;
const INDEX_RATE = 200;
/** Peers that send a day of heartbeats in the index scenario, at most. */
const INDEX_DAY_PEERS = 100;
/** Rounds of each measurement; figures are the best round, spreads are printed. */
const DEFAULT_RUNS = 3;
const QUICK_RUNS = 1;

const TARGET_TMPFS_MBPS = 700;
/** Most CPU time (ms) a downloader may spend per GiB into tmpfs, start-up included. */
const TARGET_TMPFS_CPU_MS_PER_GIB = 1_200;
/** Most CPU time a swarm downloader may take, as a multiple of one alone (both with their uploads). */
const TARGET_SWARM_CPU_VS_ALONE = 1.1;
const TARGET_TMPFS_VS_SCP = 4;
const TARGET_DISK_VS_CP = 1.3;
const TARGET_SWARM_VS_ALONE = 2;
const TARGET_SEEDER_UPLOAD_VS_FILE = 2;
const TARGET_RSS_MB = 200;

/** Functions listed per profile. */
const PROFILE_TOP = 15;

/** Load averages shown (1, 5 and 15 minutes). */
const LOAD_AVERAGES = 3;

/** Exit code after Ctrl-C (128 + SIGINT). */
const INTERRUPTED_EXIT_CODE = 130;

const USAGE = `usage: deno task bench [options]

  --scenario single|swarm|shaped|relay|web|folder|index|replicas|all
                               what to run (default all)
  --size SIZE                  file of the single-source case (default ${DEFAULT_SIZE})
  --swarm-size SIZE            file of the swarm, relay and web cases (default ${DEFAULT_SWARM_SIZE})
  --shaped-size SIZE           file of the shaped-network case (default ${DEFAULT_SHAPED_SIZE})
  --rate RATE                  every link of the shaped network, each way, in tc's units
                               (default ${DEFAULT_RATE})
  --folder-files N             small files of the folder case (default ${DEFAULT_FOLDER_FILES})
  --folder-part SIZE           each of the ${FOLDER_PARTS} files of the big folder, compared with one file
                               of ${FOLDER_PARTS}x that size (default ${DEFAULT_FOLDER_PART})
  --index-peers N              simulated peers of the index case (default ${DEFAULT_INDEX_PEERS}; the
                               server needs a descriptor for each, so at most the descriptor
                               limit less 512)
  --index-seconds N            seconds of lookups at ${INDEX_RATE}/s in the index case (default ${DEFAULT_INDEX_SECONDS})
                               (both also size the replicas case: the peers split between two
                               replicas, each of which holds them all)
  --runs N                     rounds of every measurement, interleaved; the table shows the
                               best, the summary lines the spread (default ${DEFAULT_RUNS})
  --quick                      small sizes (${QUICK_SIZE}, ${QUICK_SWARM_SIZE}, ${QUICK_FOLDER_FILES} files, ${FOLDER_PARTS} x ${QUICK_FOLDER_PART})
                               and ${QUICK_RUNS} round, about a minute (shaped: ${QUICK_SHAPED_SIZE}; index:
                               ${QUICK_INDEX_PEERS} peers, ${QUICK_INDEX_SECONDS} s)
  --disk-dir DIR               disk folder for the disk destination (default .bench/ in the repo)
  --keep                       keep the generated data and downloads
  --profile DIR                run the single-source peers with --cpu-prof into DIR and list
                               their top self-time functions (figures then include profiler cost)
  -h, --help                   this text

SIZE: a byte count or a number with K, M or G (binary units), e.g. 256M.`;

const SCENARIOS = [
  "single",
  "swarm",
  "shaped",
  "relay",
  "web",
  "folder",
  "index",
  "replicas",
  "all",
] as const;
type Scenario = typeof SCENARIOS[number];

interface Options {
  scenario: Scenario;
  size: number;
  swarmSize: number;
  shapedSize: number;
  /** Link rate of the shaped network, in bits per second. */
  rate: number;
  folderFiles: number;
  folderPart: number;
  indexPeers: number;
  indexSeconds: number;
  diskDir: string;
  keep: boolean;
  profileDir: string | null;
  runs: number;
}

function readOptions(): Options | null {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      scenario: { type: "string", default: "all" },
      size: { type: "string" },
      "swarm-size": { type: "string" },
      "shaped-size": { type: "string" },
      rate: { type: "string", default: DEFAULT_RATE },
      "folder-files": { type: "string" },
      "folder-part": { type: "string" },
      "index-peers": { type: "string" },
      "index-seconds": { type: "string" },
      quick: { type: "boolean", default: false },
      "disk-dir": { type: "string", default: DEFAULT_DISK_DIR },
      keep: { type: "boolean", default: false },
      profile: { type: "string" },
      runs: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return null;
  const scenario = values.scenario;
  if (!SCENARIOS.includes(scenario as Scenario)) {
    throw new Error(
      `--scenario must be single, swarm, shaped, relay, web, folder, index, replicas or all, ` +
        `not "${scenario}"`,
    );
  }
  const folderFiles = Number(
    values["folder-files"] ?? (values.quick ? QUICK_FOLDER_FILES : DEFAULT_FOLDER_FILES),
  );
  if (!Number.isInteger(folderFiles) || folderFiles < 1) {
    throw new Error(`--folder-files must be a positive integer`);
  }
  const indexPeers = Number(
    values["index-peers"] ?? (values.quick ? QUICK_INDEX_PEERS : DEFAULT_INDEX_PEERS),
  );
  const indexSeconds = Number(
    values["index-seconds"] ?? (values.quick ? QUICK_INDEX_SECONDS : DEFAULT_INDEX_SECONDS),
  );
  for (const [flag, value] of [["index-peers", indexPeers], ["index-seconds", indexSeconds]]) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new Error(`--${flag} must be a positive integer`);
    }
  }
  const runs = Number(values.runs ?? (values.quick ? QUICK_RUNS : DEFAULT_RUNS));
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer`);
  return {
    runs,
    scenario: scenario as Scenario,
    size: parseSize(values.size ?? (values.quick ? QUICK_SIZE : DEFAULT_SIZE)),
    swarmSize: parseSize(
      values["swarm-size"] ?? (values.quick ? QUICK_SWARM_SIZE : DEFAULT_SWARM_SIZE),
    ),
    shapedSize: parseSize(
      values["shaped-size"] ?? (values.quick ? QUICK_SHAPED_SIZE : DEFAULT_SHAPED_SIZE),
    ),
    rate: parseRate(values.rate),
    folderFiles,
    folderPart: parseSize(
      values["folder-part"] ?? (values.quick ? QUICK_FOLDER_PART : DEFAULT_FOLDER_PART),
    ),
    indexPeers,
    indexSeconds,
    diskDir: values["disk-dir"],
    keep: values.keep,
    profileDir: values.profile ?? null,
  };
}

/** Context shared by the scenarios. */
interface Bench {
  options: Options;
  /** Work folder on tmpfs: sources and tmpfs destinations. */
  work: string;
  /** This run's folder inside the disk folder. */
  disk: string;
  /** `host:port` of the server. */
  server: string;
}

/** One end of the TCP baseline (bench_tcp.ts), its memory and CPU time sampled. */
function tcpScript(name: string, args: string[]): Child {
  return new Child([Deno.execPath(), ...RUN_FLAGS, TCP_SCRIPT, ...args], {
    name,
    watchUsage: true,
  });
}

async function copyBaseline(source: string, dir: string): Promise<number> {
  const target = join(dir, "cp-baseline.bin");
  await settle();
  const started = performance.now();
  await output("cp", [source, target]);
  const ms = performance.now() - started;
  await Deno.remove(target);
  return ms;
}

/** The TCP stream's figures: receiver time and the receiver's peak memory. */
interface TcpRun {
  /** Accept to end of stream (and file closed), as the receiver measured it. */
  ms: number;
  /** Peak RSS of the receiver (VmHWM). */
  hwm: number;
}

/** Streams `source` over loopback TCP; the receiver discards it, or writes it into `dir`. */
async function tcpBaseline(source: string, dir?: string): Promise<TcpRun> {
  const target = dir ? join(dir, "tcp-baseline.bin") : undefined;
  await settle();
  const receiver = tcpScript("tcp receiver", ["receive", ...(target ? [target] : [])]);
  const port = (await receiver.stdout.waitForLine(parseTcpPort)).value;
  const sender = tcpScript("tcp sender", ["send", String(port), source]);
  const [sent, received] = await Promise.all([sender.exited, receiver.exited]);
  if (sent.code !== 0 || received.code !== 0) {
    throw new Error(`TCP baseline failed:\n${sender.describe()}\n${receiver.describe()}`);
  }
  const result = (await receiver.stdout.waitForLine(parseTcpReceived, 0)).value;
  if (target) await Deno.remove(target);
  const usage = receiver.usage;
  return { ms: result.ms, hwm: Math.max(result.hwm, usage.hwm, usage.maxRss) };
}

function profileFlags(bench: Bench, name: string): string[] {
  const dir = bench.options.profileDir;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, name)}`] : [];
}

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
  const flags = profileFlags(bench, `downloader-${where}-${destination.downloads.length + 1}`);
  const run = await finishDownload(spawnDownload(bench, seeder.fileId, dir, flags));
  const identical = await sameBytes(source, run.path);
  await Deno.remove(run.path);
  if (!identical) throw new Error(`the download into ${dir} differs from the source`);
  destination.downloads.push(run);
}

/** Bytes read at a time by the SHA-256 baseline. */
const SHA_READ_BYTES = 4 * 1024 * 1024;

/**
 * CPU time (ms, this process) that SHA-256 alone takes over the file at
 * `path` with `node:crypto`, as p2pft verifies chunks, reading it in 4 MiB
 * pieces from the page cache.
 */
async function sha256CpuMs(path: string): Promise<number> {
  const before = process.cpuUsage();
  const hash = createHash("sha256");
  const buffer = new Uint8Array(SHA_READ_BYTES);
  using file = await Deno.open(path);
  for (let read = await file.read(buffer); read !== null; read = await file.read(buffer)) {
    hash.update(buffer.subarray(0, read));
  }
  hash.digest();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / MICROSECONDS_PER_MS;
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

async function single(bench: Bench): Promise<Row[]> {
  const size = bench.options.size;
  const label = formatSize(size);
  const source = join(bench.work, "single.bin");
  const generateMs = await generate(source, size);
  console.log(
    `single: generated ${label} of random data in ${formatSeconds(generateMs)} ` +
      `(${source}; on tmpfs, so in page cache throughout)`,
  );
  const seeder = await startSeeder(bench, source, profileFlags(bench, "seeder"));
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

async function swarmRound(bench: Bench, source: string): Promise<SwarmRound> {
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
  };
}

async function swarm(bench: Bench): Promise<Row[]> {
  const size = bench.options.swarmSize;
  const label = formatSize(size);
  const source = join(bench.work, "swarm.bin");
  await generate(source, size);
  const rounds: SwarmRound[] = [];
  for (let round = 0; round < bench.options.runs; round++) {
    rounds.push(await swarmRound(bench, source));
  }
  const wall = spread(rounds.map((round) => round.wallMs));
  const alone = spread(rounds.map((round) => round.alone.processMs));
  const uploads = rounds.map((round) => round.uploaded);
  const worstUpload = Math.max(...uploads);
  const cores = navigator.hardwareConcurrency;
  const aloneCpu = spread(rounds.map((round) => round.aloneCpuMs));
  const swarmCpu = spread(rounds.map((round) => round.swarmCpuMs));
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
    } (user + system of the downloaders, start-up included, and of the seeder while it served)`,
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
      scenario: `${label} swarm 1+${SWARM_DOWNLOADERS}: seeder upload`,
      value: worstUpload,
      baselineValue: size,
      format: formatMegabytes,
      baselineName: "file",
      target: { on: "ratio", comparison: "<", limit: TARGET_SEEDER_UPLOAD_VS_FILE },
    }),
  ];
}

async function machine(diskDir: string): Promise<string[]> {
  const memory = parseMemTotal(await Deno.readTextFile("/proc/meminfo").catch(() => ""));
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU";
  const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ")
    .slice(0, LOAD_AVERAGES).join(" ");
  const fsType = (await output("findmnt", ["-no", "FSTYPE", "-T", diskDir]).catch(() => "?"))
    .trim();
  return [
    `machine: ${navigator.hardwareConcurrency} cores (${model}), ` +
    `${memory ? formatSize(memory) : "? GiB"} memory, kernel ${Deno.osRelease()}, ` +
    `deno ${Deno.version.deno} (v8 ${Deno.version.v8}); load average ${load} at start`,
    `disk folder ${diskDir} is ${fsType}; tmpfs folder under ${TMPFS}`,
  ];
}

/** Folders to delete at the end, also on error or Ctrl-C. */
const scratch: string[] = [];

/** Folders this run created to hold scratch folders: deleted at the end if empty. */
const scratchParents: string[] = [];

async function cleanUp(keep: boolean): Promise<void> {
  await stopAll();
  // The shaped scenario's LAN, when an interrupt ends the run before it is disposed.
  await deleteOwnNamespaces().catch(() => {});
  if (keep) {
    if (scratch.length) console.log(`kept: ${scratch.join(", ")}`);
    return;
  }
  for (const dir of scratch.splice(0)) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  for (const dir of scratchParents.splice(0)) await Deno.remove(dir).catch(() => {});
}

function onInterrupt(keep: boolean): void {
  const handler = () => {
    console.error("\ninterrupted: stopping every process and deleting the data");
    cleanUp(keep).finally(() => Deno.exit(INTERRUPTED_EXIT_CODE));
  };
  Deno.addSignalListener("SIGINT", handler);
  Deno.addSignalListener("SIGTERM", handler);
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!options) {
    console.log(USAGE);
    return;
  }
  onInterrupt(options.keep);
  const started = performance.now();
  const diskDirExisted = await Deno.stat(options.diskDir).then(() => true, () => false);
  await Deno.mkdir(options.diskDir, { recursive: true });
  if (!diskDirExisted) scratchParents.push(options.diskDir);
  const work = await Deno.makeTempDir({ dir: TMPFS, prefix: "p2pft-bench-" });
  scratch.push(work);
  const disk = await Deno.makeTempDir({ dir: options.diskDir, prefix: "run-" });
  scratch.push(disk);
  for (const line of await machine(options.diskDir)) console.log(line);
  console.log(
    `p2pft: ${MAIN}; servers and peers with --no-mdns; every process on 127.0.0.1, but the ` +
      "shaped scenario's, in network namespaces of their own",
  );
  console.log(
    "method: `sync` before each measurement; nothing is fsynced (cp, TCP and p2pft all end " +
      "in the page cache), so the disk figures show the write path into a disk file system, " +
      "not the device",
  );
  if (options.profileDir) {
    console.log(`profiling the single-source peers into ${options.profileDir} (adds overhead)`);
  }
  const rows: Row[] = [];
  try {
    const server = await startServer({ name: "server", watchUsage: true });
    const bench: Bench = { options, work, disk, server: server.address };
    const runs = (scenario: Scenario) =>
      options.scenario === scenario || options.scenario === "all";
    if (runs("single")) rows.push(...await single(bench));
    if (runs("swarm")) rows.push(...await swarm(bench));
    if (runs("shaped")) {
      rows.push(
        ...await shaped({
          size: options.shapedSize,
          rate: options.rate,
          runs: options.runs,
          work,
        }),
      );
    }
    if (runs("relay")) {
      const source = join(work, "relay.bin");
      await generate(source, options.swarmSize);
      rows.push(...await relay(source, { size: options.swarmSize, runs: options.runs, work }));
    }
    if (runs("web")) {
      const source = join(work, "web.bin");
      await generate(source, options.swarmSize);
      const sizes = { size: options.swarmSize, runs: options.runs };
      rows.push(...await web(source, { ...sizes, work, server: server.address }));
    }
    if (runs("folder")) {
      rows.push(
        ...await folder(bench, {
          files: options.folderFiles,
          partSize: options.folderPart,
          runs: options.runs,
        }),
      );
    }
    if (runs("index")) {
      rows.push(
        ...await indexScenario({
          peers: options.indexPeers,
          rate: INDEX_RATE,
          seconds: options.indexSeconds,
          dayPeers: Math.min(INDEX_DAY_PEERS, options.indexPeers),
        }),
      );
    }
    if (runs("replicas") && !hasRedisServer()) {
      console.log(
        "replicas: skipped, redis-server is not installed (apt-get install redis-server)",
      );
    } else if (runs("replicas")) {
      rows.push(
        ...await replicasScenario({
          peers: options.indexPeers,
          rate: INDEX_RATE,
          seconds: options.indexSeconds,
        }),
      );
    }
    await server.stop();
  } finally {
    await cleanUp(options.keep);
  }
  console.log("");
  console.log(renderTable(rows));
  console.log("");
  console.log(
    `ratio = figure / baseline; figures are the best of ${options.runs} round(s) ` +
      "(shortest time, largest RSS and seeder upload); rates in MB/s (10^6 bytes), sizes in " +
      "MiB/GiB; RSS = VmHWM of /proc/<pid>/status (the kernel's peak; sampled every " +
      `${USAGE_POLL_MS} ms, last read just before exit); ` +
      `${tally(rows)}; ` +
      `bench took ${formatSeconds(performance.now() - started)}`,
  );
  if (options.profileDir) {
    console.log("");
    console.log(await summariseProfiles(options.profileDir, PROFILE_TOP));
  }
}

if (import.meta.main) await main();
