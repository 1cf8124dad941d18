/**
 * `deno task bench`: throughput, swarm efficiency and memory of real p2pft
 * processes on loopback, each figure next to a baseline measured in the same
 * run. A script, not a test: it prints figures and never fails on them.
 *
 * Options: `--size 1G` (single-source file), `--swarm-size 256M`,
 * `--scenario single|swarm|all`, `--quick` (256M and 64M), `--disk-dir DIR`
 * (default `.bench/` in the repo), `--keep`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  LineLog,
  P2pftProcess,
  RUN_FLAGS,
  startPeer,
  startServer,
  writeRandomFile,
} from "../tests/helpers/cluster.ts";
import { fixed, megabytesPerSecond, parseSize, renderTable, type Row } from "./bench_report.ts";

const TCP_SCRIPT = fileURLToPath(new URL("./bench_tcp.ts", import.meta.url));
const REPO = fileURLToPath(new URL("..", import.meta.url));
const TMPFS = "/dev/shm";
const SWARM_DOWNLOADERS = 4;
const RSS_POLL_MS = 50;
const KIB = 1024;
const MB = 1e6;
const TARGET_TMPFS_MBPS = 600;
const TARGET_DISK_VS_CP = 1.3;
const TARGET_SWARM_VS_SINGLE = 2;
const TARGET_SEEDER_UPLOAD = 2;
const TARGET_RSS_BYTES = 200 * MB;
const QUICK_SIZE = "256M";
const QUICK_SWARM_SIZE = "64M";

interface Options {
  size: number;
  swarmSize: number;
  scenario: string;
  diskDir: string;
  keep: boolean;
}

function readOptions(): Options {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      size: { type: "string", default: "1G" },
      "swarm-size": { type: "string", default: "256M" },
      scenario: { type: "string", default: "all" },
      quick: { type: "boolean", default: false },
      "disk-dir": { type: "string", default: join(REPO, ".bench") },
      keep: { type: "boolean", default: false },
    },
  });
  if (!["single", "swarm", "all"].includes(values.scenario)) {
    throw new Error(`--scenario must be single, swarm or all, not "${values.scenario}"`);
  }
  return {
    size: parseSize(values.quick ? QUICK_SIZE : values.size),
    swarmSize: parseSize(values.quick ? QUICK_SWARM_SIZE : values["swarm-size"]),
    scenario: values.scenario,
    diskDir: values["disk-dir"],
    keep: values.keep,
  };
}

/** Samples a process's peak resident memory (VmHWM) until it exits. */
function watchPeakRss(pid: number, until: Promise<unknown>): Promise<number> {
  let done = false;
  until.finally(() => done = true);
  return (async () => {
    let peak = 0;
    while (!done) {
      try {
        const status = await Deno.readTextFile(`/proc/${pid}/status`);
        const hwm = status.match(/VmHWM:\s+(\d+) kB/);
        if (hwm) peak = Math.max(peak, Number(hwm[1]) * KIB);
      } catch {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, RSS_POLL_MS));
    }
    return peak;
  })();
}

/** Flushes dirty pages so that a measurement does not pay for the previous one's writes. */
async function settle(): Promise<void> {
  await new Deno.Command("sync").output();
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  await settle();
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function copyBaseline(source: string, dir: string): Promise<number> {
  const target = join(dir, "cp-baseline.bin");
  const ms = await timed(() => new Deno.Command("cp", { args: [source, target] }).output());
  await Deno.remove(target);
  return ms;
}

async function tcpBaseline(source: string): Promise<number> {
  const receiver = new Deno.Command(Deno.execPath(), {
    args: [...RUN_FLAGS, TCP_SCRIPT, "receive"],
    stdout: "piped",
  }).spawn();
  const lines = new LineLog(receiver.stdout);
  const port = (await lines.waitFor(/^port (\d+)$/))[1];
  const ms = await timed(async () => {
    await new Deno.Command(Deno.execPath(), {
      args: [...RUN_FLAGS, TCP_SCRIPT, "send", port, source],
    }).output();
    await receiver.status;
  });
  await lines.ended;
  return ms;
}

/**
 * One downloader fetching `fileId` into `dir`; resolves to its process wall
 * time, the transfer time it reports itself, and its peak RSS.
 */
async function download(server: string, fileId: string, dir: string, options = { settle: true }) {
  if (options.settle) await settle();
  const started = performance.now();
  const peer = new P2pftProcess([
    "peer",
    "--json",
    "--addr",
    "127.0.0.1:0",
    "--server",
    server,
    "-d",
    fileId,
    "-o",
    dir,
    "--exit-when-done",
  ]);
  const exited = peer.exit();
  const peak = watchPeakRss(peer.child.pid, exited);
  const status = await exited;
  const ms = performance.now() - started;
  if (status.code !== 0) throw new Error(`download failed:\n${peer.stderr.text}`);
  const done = peer.stdout.lines.map((line) => JSON.parse(line))
    .find((event) => event.event === "downloaded");
  return { ms, transferMs: Number(done.elapsedMs), peak: await peak };
}

async function emptyDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
}

async function single(options: Options, work: string): Promise<Row[]> {
  const source = join(work, "single.bin");
  await writeRandomFile(source, options.size, 1);
  const server = await startServer();
  const seeder = await startPeer(server.address, { args: ["-r", source] });
  const seederPeak = watchPeakRss(seeder.child.pid, seeder.child.status);
  const rows: Row[] = [];
  try {
    const fileId = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/, 120_000))[1];
    const mib = `${options.size / KIB / KIB} MiB`;
    const tcpMs = await tcpBaseline(source);
    const tcpMbps = megabytesPerSecond(options.size, tcpMs);
    let downloaderPeak = 0;
    for (const [label, dir] of [["tmpfs", join(work, "dl")], ["disk", options.diskDir]]) {
      await emptyDir(dir);
      const cpMs = await copyBaseline(source, dir);
      await emptyDir(dir);
      const run = await download(server.address, fileId, dir);
      downloaderPeak = Math.max(downloaderPeak, run.peak);
      const mbps = megabytesPerSecond(options.size, run.transferMs);
      console.log(
        `single ${label}: ${mib} in ${fixed(run.transferMs / 1000)} s = ${fixed(mbps, 0)} MB/s ` +
          `verified (${fixed(run.ms / 1000)} s from process start to exit); ` +
          `cp ${fixed(cpMs / 1000)} s; TCP ${fixed(tcpMbps, 0)} MB/s (sender process included)`,
      );
      rows.push({
        scenario: `1 source -> ${label}, vs TCP`,
        figure: `${fixed(mbps, 0)} MB/s`,
        baseline: `${fixed(tcpMbps, 0)} MB/s`,
        ratio: fixed(mbps / tcpMbps),
        target: label === "tmpfs" ? `>= ${TARGET_TMPFS_MBPS} MB/s` : "-",
        pass: label !== "tmpfs" || mbps >= TARGET_TMPFS_MBPS,
      });
      rows.push({
        scenario: `1 source -> ${label}, vs cp`,
        figure: `${fixed(run.transferMs / 1000)} s`,
        baseline: `${fixed(cpMs / 1000)} s`,
        ratio: fixed(run.transferMs / cpMs),
        target: label === "disk" ? `<= ${TARGET_DISK_VS_CP}x cp` : "-",
        pass: label !== "disk" || run.transferMs / cpMs <= TARGET_DISK_VS_CP,
      });
      await emptyDir(dir);
    }
    await seeder.stop();
    const peaks = { downloader: downloaderPeak, seeder: await seederPeak };
    for (const [who, peak] of Object.entries(peaks)) {
      rows.push({
        scenario: `peak RSS ${who} (VmHWM)`,
        figure: `${fixed(peak / MB, 0)} MB`,
        baseline: `${mib} file`,
        ratio: fixed(peak / options.size, 3),
        target: `< ${TARGET_RSS_BYTES / MB} MB`,
        pass: peak < TARGET_RSS_BYTES,
      });
    }
  } finally {
    await seeder.stop();
    await server.stop();
  }
  return rows;
}

async function swarm(options: Options, work: string): Promise<Row[]> {
  const source = join(work, "swarm.bin");
  await writeRandomFile(source, options.swarmSize, 2);
  const server = await startServer();
  try {
    const alone = (await withSeeder(server.address, source, async (fileId) => {
      const dir = join(work, "alone");
      await emptyDir(dir);
      const run = await download(server.address, fileId, dir);
      await Deno.remove(dir, { recursive: true });
      return run.ms;
    })).value;
    const dirs = Array.from({ length: SWARM_DOWNLOADERS }, (_, i) => join(work, `swarm-${i}`));
    await Promise.all(dirs.map(emptyDir));
    let allMs = 0;
    const uploaded = await withSeeder(server.address, source, async (fileId) => {
      allMs = await timed(() =>
        Promise.all(dirs.map((dir) => download(server.address, fileId, dir, { settle: false })))
      );
    }).then((result) => result.uploaded);
    await Promise.all(dirs.map((dir) => Deno.remove(dir, { recursive: true })));
    console.log(
      `swarm: 1 seeder + ${SWARM_DOWNLOADERS} downloaders in ${fixed(allMs / 1000)} s; ` +
        `one alone ${fixed(alone / 1000)} s; seeder uploaded ${fixed(uploaded / MB, 0)} MB ` +
        `for a ${fixed(options.swarmSize / MB, 0)} MB file`,
    );
    return [
      {
        scenario: `swarm 1+${SWARM_DOWNLOADERS}, wall time`,
        figure: `${fixed(allMs / 1000)} s`,
        baseline: `${fixed(alone / 1000)} s alone`,
        ratio: fixed(allMs / alone),
        target: `<= ${TARGET_SWARM_VS_SINGLE}x alone`,
        pass: allMs / alone <= TARGET_SWARM_VS_SINGLE,
      },
      {
        scenario: `swarm 1+${SWARM_DOWNLOADERS}, seeder upload`,
        figure: `${fixed(uploaded / MB, 0)} MB`,
        baseline: `${fixed(options.swarmSize / MB, 0)} MB file`,
        ratio: fixed(uploaded / options.swarmSize),
        target: `< ${TARGET_SEEDER_UPLOAD}x file`,
        pass: uploaded / options.swarmSize < TARGET_SEEDER_UPLOAD,
      },
    ];
  } finally {
    await server.stop();
  }
}

/**
 * Runs `fn` while a fresh seeder shares `source`; resolves to what `fn`
 * returned and the bytes the seeder uploaded meanwhile (its own count, logged
 * when it stops).
 */
async function withSeeder<T>(
  server: string,
  source: string,
  fn: (fileId: string) => Promise<T>,
): Promise<{ value: T; uploaded: number }> {
  const seeder = await startPeer(server, { args: ["-r", source] });
  try {
    const fileId = (await seeder.stdout.waitFor(/^File ID: ([0-9a-f]{64})$/, 120_000))[1];
    const value = await fn(fileId);
    await seeder.stop();
    const uploaded = Number((await seeder.stderr.waitFor(/uploaded (\d+) bytes/))[1]);
    return { value, uploaded };
  } finally {
    await seeder.stop();
  }
}

async function machine(): Promise<string> {
  const text = async (cmd: string, args: string[]) =>
    new TextDecoder().decode((await new Deno.Command(cmd, { args }).output()).stdout).trim();
  const memory = (await Deno.readTextFile("/proc/meminfo").catch(() => "")).match(
    /MemTotal:\s+(\d+)/,
  );
  return `${navigator.hardwareConcurrency} cores, ` +
    `${memory ? fixed(Number(memory[1]) / KIB / KIB, 1) + " GiB" : "? GiB"}, ` +
    `kernel ${await text("uname", ["-r"])}, deno ${Deno.version.deno}`;
}

async function main(): Promise<void> {
  const options = readOptions();
  const work = await Deno.makeTempDir({ dir: TMPFS, prefix: "p2pft-bench-" });
  console.log(`machine: ${await machine()}`);
  console.log(
    `data in ${work} (tmpfs; the source is in page cache), disk folder ${options.diskDir}`,
  );
  const rows: Row[] = [];
  try {
    if (options.scenario !== "swarm") rows.push(...await single(options, work));
    if (options.scenario !== "single") rows.push(...await swarm(options, work));
  } finally {
    if (!options.keep) {
      await Deno.remove(work, { recursive: true }).catch(() => {});
      await Deno.remove(options.diskDir, { recursive: true }).catch(() => {});
    }
  }
  console.log("");
  console.log(renderTable(rows));
}

if (import.meta.main) await main();
