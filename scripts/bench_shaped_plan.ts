/**
 * Pure parts of the `shaped` scenario of `deno task bench` (see
 * bench_shaped.ts): link rates and the `tc tbf` that caps them, the LAN's
 * roles, the aria2c, mktorrent and tracker command lines, the parsers of
 * what those print, and the figures of a group of downloaders.
 *
 * @module
 */

import { MS_PER_SECOND } from "../src/constants.ts";

/** What installs the BitTorrent baseline on Debian and Ubuntu. */
export const BITTORRENT_INSTALL = "apt-get install -y aria2 mktorrent";

/** Bits in a byte. */
const BITS_PER_BYTE = 8;

/** Multipliers of the rate units `tc` takes (decimal, as `tc` reads them). */
const RATE_UNITS: Record<string, number> = {
  bit: 1,
  kbit: 1e3,
  mbit: 1e6,
  gbit: 1e9,
};

/** Slowest link the scenario accepts: below it a 4 MiB chunk takes minutes. */
const MIN_RATE_BITS = 1e6;

/** Time the token bucket may send at once at the full rate (its burst), in ms. */
const BURST_MS = 5;

/** Smallest bucket: room for a few full-size packets with segmentation offload. */
const MIN_BURST_BYTES = 32 * 1024;

/** Longest a packet may wait in the bucket's queue before it is dropped, in ms. */
const QUEUE_LATENCY_MS = 20;

/**
 * Parses a link rate as `tc` writes it: `200mbit`, `1gbit`, `500kbit`,
 * `100000bit` (decimal units); resolves to bits per second.
 */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)$/i.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a link rate: use e.g. 200mbit or 1gbit`);
  const bits = Math.round(Number(match[1]) * RATE_UNITS[match[2].toLowerCase()]);
  if (bits < MIN_RATE_BITS) throw new Error(`link rate "${text}" is below 1mbit: use a faster one`);
  return bits;
}

/** A rate in the largest unit that keeps it whole, for display: `200 Mbit/s`. */
export function formatLinkRate(bitsPerSecond: number): string {
  for (const [unit, name] of [[1e9, "Gbit/s"], [1e6, "Mbit/s"], [1e3, "kbit/s"]] as const) {
    if (bitsPerSecond >= unit && bitsPerSecond % unit === 0) {
      return `${bitsPerSecond / unit} ${name}`;
    }
  }
  return `${bitsPerSecond} bit/s`;
}

/**
 * The `tc` arguments after `root` of a token bucket capping a link at
 * `bitsPerSecond`: a bucket of {@linkcode BURST_MS} at that rate (at least
 * {@linkcode MIN_BURST_BYTES}), a queue of {@linkcode QUEUE_LATENCY_MS}.
 */
export function tbfQdisc(bitsPerSecond: number): string[] {
  const burst = Math.max(
    MIN_BURST_BYTES,
    Math.ceil(bitsPerSecond / BITS_PER_BYTE * BURST_MS / MS_PER_SECOND),
  );
  return [
    "tbf",
    "rate",
    `${bitsPerSecond}bit`,
    "burst",
    String(burst),
    "latency",
    `${QUEUE_LATENCY_MS}ms`,
  ];
}

/** Time `bytes` take on a link of `bitsPerSecond`, payload only, in ms. */
export function wireFloorMs(bytes: number, bitsPerSecond: number): number {
  return bytes * BITS_PER_BYTE / bitsPerSecond * MS_PER_SECOND;
}

/** Host of the LAN running the p2pft server and the BitTorrent tracker. */
export const HUB_HOST = 0;

/** Host of the LAN running the seeder. */
export const SEEDER_HOST = 1;

/** Hosts of the LAN for groups of up to `downloaders` downloaders. */
export function hostCount(downloaders: number): number {
  return SEEDER_HOST + 1 + downloaders;
}

/** The hosts of the first `count` downloaders. */
export function downloaderHosts(count: number): number[] {
  return Array.from({ length: count }, (_, i) => SEEDER_HOST + 1 + i);
}

/** The transmitted bytes of the interface `ip -j -s link show DEV` describes. */
export function parseTxBytes(json: string): number {
  const links = JSON.parse(json);
  const bytes = links?.[0]?.stats64?.tx?.bytes;
  if (typeof bytes !== "number") throw new Error(`no transmit counter in: ${json.slice(0, 200)}`);
  return bytes;
}

/** The announce URL in the tracker's `tracker listening on URL` line, or null. */
export function parseTrackerListening(line: string): string | null {
  return /^tracker listening on (http:\/\/\S+\/announce)$/.exec(line.trim())?.[1] ?? null;
}

/** A client the tracker heard from: `announce IP:PORT EVENT left=N`. */
export interface Announce {
  /** `ip:port` of the client. */
  address: string;
  /** `started`, `completed`, `stopped` or `update`. */
  event: string;
  /** Bytes the client still misses. */
  left: number;
}

/** The fields of a tracker's `announce IP:PORT EVENT left=N` line, or null. */
export function parseAnnounce(line: string): Announce | null {
  const match = /^announce (\S+) (\w+) left=(\d+)$/.exec(line.trim());
  if (!match) return null;
  return { address: match[1], event: match[2], left: Number(match[3]) };
}

/** The tracker's line for one announce (see {@linkcode parseAnnounce}). */
export function formatAnnounce(announce: Announce): string {
  return `announce ${announce.address} ${announce.event} left=${announce.left}`;
}

/** `mktorrent` arguments making `torrent` of `source`, announced at `announce`. */
export function mktorrentArgs(source: string, options: { torrent: string; announce: string }) {
  return ["-a", options.announce, "-o", options.torrent, source];
}

/** Port aria2c listens on for other BitTorrent peers (each host has its own address). */
export const ARIA2_PORT = 6881;

/**
 * aria2c arguments for one end of the BitTorrent baseline: the tracker is
 * the only way to find peers (no DHT, no local discovery, no peer
 * exchange), nothing is preallocated, and nothing limits upload. A seeder
 * serves the file in `dir` unverified (it is the source) until stopped; a
 * downloader saves into `dir` and exits as soon as the file is whole, as
 * `p2pft peer --exit-when-done` does.
 */
export function aria2Args(torrent: string, options: { dir: string; seeder: boolean }): string[] {
  const role = options.seeder
    ? ["--seed-ratio=0.0", "--bt-seed-unverified=true", "--check-integrity=false"]
    : ["--seed-time=0"];
  return [
    `--dir=${options.dir}`,
    ...role,
    `--listen-port=${ARIA2_PORT}`,
    "--enable-dht=false",
    "--enable-dht6=false",
    "--bt-enable-lpd=false",
    "--enable-peer-exchange=false",
    "--file-allocation=none",
    "--allow-overwrite=true",
    "--auto-file-renaming=false",
    "--max-overall-upload-limit=0",
    "--summary-interval=0",
    "--console-log-level=warn",
    torrent,
  ];
}

/** When one downloader of a group started and ended (`performance.now()` clock). */
export interface Span {
  started: number;
  ended: number;
  /** Its CPU time (user + system), in ms. */
  cpuMs: number;
  /**
   * When it was ready (listening) and when it had the file, where it says
   * so (p2pft): the transfer without the runtime's start-up and exit.
   */
  transfer?: { started: number; ended: number };
}

/** One group of downloaders started together from one seeder, as measured. */
export interface GroupRun {
  /** Start and end of each downloader. */
  spans: Span[];
  /** Bytes the seeder's host sent on its link meanwhile. */
  seederTx: number;
  /** Bytes each downloader's host sent on its link. */
  downloaderTx: number[];
}

/** First start to last end of a group, in ms. */
export function wallMs(spans: { started: number; ended: number }[]): number {
  return Math.max(...spans.map((s) => s.ended)) - Math.min(...spans.map((s) => s.started));
}

/** First ready to last done of a group, in ms, when every span says; else undefined. */
export function transferMs(spans: Span[]): number | undefined {
  const transfers = spans.flatMap((span) => span.transfer ? [span.transfer] : []);
  return transfers.length === spans.length ? wallMs(transfers) : undefined;
}

/** The smallest of `values`, or undefined when any is. */
function smallest(values: (number | undefined)[]): number | undefined {
  let min = Infinity;
  for (const value of values) {
    if (value === undefined) return undefined;
    min = Math.min(min, value);
  }
  return min;
}

/** What one tool did in one round: one downloader alone, then each group size. */
export interface ToolRound {
  alone: GroupRun;
  /** Group size -> its run. */
  groups: Map<number, GroupRun>;
}

/** The figures of one group size over every round of one tool. */
export interface GroupFigures {
  /** Best wall time of the group. */
  wallMs: number;
  /** Best time of one downloader alone. */
  aloneMs: number;
  /** `wallMs / aloneMs`. */
  ratio: number;
  /**
   * Best transfer time of the group (first ready to last done) against the
   * best of one alone, when the tool says when it is ready and done.
   */
  transferRatio: number | undefined;
  /** Mean CPU time of a downloader in the round of the best wall time, in ms. */
  cpuMs: number;
  /** CPU time of the best downloader alone, in ms. */
  aloneCpuMs: number;
  /** Most the seeder sent in any round, in copies of the file. */
  seederCopies: number;
  /** What each downloader sent in the round of the best wall time, in bytes. */
  downloaderTx: number[];
}

/**
 * The figures of `group` downloaders over `rounds`: best wall time against
 * best time alone (each over every round), the worst seeder upload.
 */
export function groupFigures(
  rounds: ToolRound[],
  options: { group: number; size: number },
): GroupFigures {
  const runs = rounds.map((round) => round.groups.get(options.group)!);
  const walls = runs.map((run) => wallMs(run.spans));
  const best = walls.indexOf(Math.min(...walls));
  const alones = rounds.map((round) => wallMs(round.alone.spans));
  const bestAlone = alones.indexOf(Math.min(...alones));
  const spans = runs[best].spans;
  const transfer = smallest(runs.map((run) => transferMs(run.spans)));
  const aloneTransfer = smallest(rounds.map((round) => transferMs(round.alone.spans)));
  return {
    wallMs: walls[best],
    aloneMs: alones[bestAlone],
    ratio: walls[best] / alones[bestAlone],
    transferRatio: transfer === undefined || aloneTransfer === undefined
      ? undefined
      : transfer / aloneTransfer,
    cpuMs: spans.reduce((sum, span) => sum + span.cpuMs, 0) / spans.length,
    aloneCpuMs: rounds[bestAlone].alone.spans[0].cpuMs,
    seederCopies: Math.max(...runs.map((run) => run.seederTx)) / options.size,
    downloaderTx: runs[best].downloaderTx,
  };
}

/** One group of bench_shaped_cpu.ts: its wall time, each downloader's CPU time and the seeder's. */
export interface CpuRun {
  wallMs: number;
  cpuMs: number[];
  seederCpuMs: number;
}

function seconds(ms: number, digits = 2): string {
  return (ms / MS_PER_SECOND).toFixed(digits);
}

function meanOf(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** A run as text: wall time, mean CPU time per downloader and each one's, the seeder's. */
export function formatCpuRun(run: CpuRun): string {
  return `wall ${seconds(run.wallMs)} s, CPU per downloader ${seconds(meanOf(run.cpuMs), 3)} s ` +
    `(${run.cpuMs.map((ms) => seconds(ms)).join(" ")}), seeder ${seconds(run.seederCpuMs)} s`;
}

/** The runs of one build as text: the means over runs of CPU per downloader and of wall time, then each run's. */
export function formatCpuRuns(runs: CpuRun[]): string {
  const cpu = runs.map((run) => meanOf(run.cpuMs));
  const wall = runs.map((run) => run.wallMs);
  return `CPU per downloader mean ${seconds(meanOf(cpu), 3)} s (${
    cpu.map((ms) => seconds(ms)).join(" ")
  }), ` +
    `wall mean ${seconds(meanOf(wall))} s (${wall.map((ms) => seconds(ms)).join(" ")})`;
}
