/**
 * The `index` scenario of `deno task bench`: one server holding many
 * simulated peers over the real protocol (load processes of
 * bench_index_load.ts, each peer registering and sharing three files, then
 * heartbeating every 5 s), measured in four phases:
 *
 * 1. registration: peers held and the rate they registered at; the
 *    server's RSS per peer (its RSS with them less its RSS before);
 * 2. lookups: separate clients ask `lookup` and `sources` at `--index-rate`
 *    (200) a second for `--index-seconds`; p50 and p99 of the answers; the
 *    server's CPU time apart from the load processes';
 * 3. a day of heartbeats: up to 100 of the peers each send a day's worth
 *    (17,280 at one per 5 s) as fast as the server's request rate allows,
 *    in two halves; the server's RSS after each (growth over the second
 *    half is the cost of heartbeats; the first also grows the heap to the
 *    flood's allocation rate);
 * 4. everyone leaves at once: every load process closes all its
 *    connections; a probe asks the server for one page of peers back to
 *    back until none is left, and reports the longest wait for an answer
 *    (the server's longest stall, plus a round trip).
 *
 * Every process runs on 127.0.0.1; the server runs an open network with no
 * per-address limit (all peers share one address) and logs warnings only.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { Child, RUN_FLAGS, startServer } from "./process_harness.ts";
import { parseProcStatus } from "./bench_parse.ts";
import {
  compare,
  type Comparison,
  formatMegabytes,
  formatSeconds,
  type Row,
  summaryLine,
} from "./bench_report.ts";
import { type LoadEvent, parseLoadEvent, type PeerRange, splitPeers } from "./bench_index_plan.ts";
import { HEARTBEAT_INTERVAL_MS, MS_PER_SECOND } from "../src/constants.ts";

const LOAD_SCRIPT = fileURLToPath(new URL("./bench_index_load.ts", import.meta.url));

/** Most simulated peers one load process holds (it needs a descriptor for each). */
export const PEERS_PER_PROCESS = 5_000;
/** Heartbeats of one peer in a day at one per `HEARTBEAT_INTERVAL_MS`. */
export const DAY_HEARTBEATS = 24 * 60 * 60 * MS_PER_SECOND / HEARTBEAT_INTERVAL_MS;
/**
 * Scheduling priority (`nice`) of the processes of simulated peers. They
 * stand for thousands of other machines, yet share the server's two cores
 * here: at the same priority their own work (a heartbeat each every 5 s,
 * and closing thousands of TLS connections when all leave) would take the
 * cores from the server and be measured as its delays. The server, the
 * probe and the lookup clients keep the normal priority.
 */
const PEERS_NICENESS = 10;
/** Quiet time over which the server's RSS is sampled (its least is taken). */
export const SETTLE_MS = 2 * HEARTBEAT_INTERVAL_MS;
/** Quiet time after a half day of heartbeats: long enough for V8's memory reducer to collect. */
const DAY_SETTLE_MS = 6 * HEARTBEAT_INTERVAL_MS;
const RSS_SAMPLE_MS = 500;
/** Time allowed per peer to register, on top of a fixed minute. */
export const REGISTER_MS_PER_PEER = 20;
/** A minute: the fixed part of the time allowed to each phase. */
export const MINUTE_MS = 60_000;

/** The issue's target for lookup and `sources` p99 at 200 a second. */
export const TARGET_LOOKUP_P99_MS = 20;
/** The issue's target for server memory per registered peer. */
export const TARGET_RSS_PER_PEER_BYTES = 20_000;
const TARGET_STALL_MS = 100;
/** Growth over the day allowed: noise of the heap, not a per-heartbeat cost. */
const TARGET_DAY_GROWTH_BYTES = 20e6;

/** Options of {@linkcode indexScenario}. */
export interface IndexOptions {
  /** Simulated peers. */
  peers: number;
  /** Lookups and `sources` a second in all. */
  rate: number;
  /** Seconds of lookups. */
  seconds: number;
  /** Peers that send a day of heartbeats. */
  dayPeers: number;
}

/** Resident memory of process `pid` now, in bytes (Linux). */
export function rssOf(pid: number): number {
  return parseProcStatus(Deno.readTextFileSync(`/proc/${pid}/status`))?.rss ?? NaN;
}

/**
 * The smallest RSS of `pid` sampled over `ms` of quiet: V8 collects its old
 * generation lazily (when idle, or when it has grown), so one reading may
 * hold garbage of the phase before.
 */
export async function quietRss(pid: number, ms: number): Promise<number> {
  let least = rssOf(pid);
  for (let waited = 0; waited < ms; waited += RSS_SAMPLE_MS) {
    await sleep(RSS_SAMPLE_MS);
    least = Math.min(least, rssOf(pid));
  }
  return least;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts bench_index_load.ts with `args`, its CPU time and memory watched.
 * With `options.yielding` it runs at {@linkcode PEERS_NICENESS}.
 */
export function loadProcess(
  name: string,
  args: string[],
  options: { yielding?: boolean } = {},
): Child {
  const command = [Deno.execPath(), ...RUN_FLAGS, LOAD_SCRIPT, ...args];
  const niced = options.yielding ? ["nice", "-n", String(PEERS_NICENESS), ...command] : command;
  return new Child(niced, {
    name,
    watchUsage: true,
  });
}

/** The `skip`+1st event named `name` that `child` prints (past or future). */
export async function loadEvent<E extends LoadEvent["event"]>(
  child: Child,
  name: E,
  timeoutMs: number,
  skip = 0,
): Promise<Extract<LoadEvent, { event: E }>> {
  let seen = 0;
  try {
    const line = await child.stdout.waitForLine((text) => {
      const event = parseLoadEvent(text);
      if (event?.event !== name || seen++ < skip) return null;
      return event as Extract<LoadEvent, { event: E }>;
    }, timeoutMs);
    return line.value;
  } catch (error) {
    throw new Error(`no "${name}" from ${child.describe()}`, { cause: error });
  }
}

/** CPU time of `children` so far, in milliseconds, summed (sampled now). */
export function cpuMs(children: Child[]): number {
  return children.reduce((sum, child) => {
    child.sample();
    return sum + child.usage.cpuMs;
  }, 0);
}

/** A row with a figure and a target but no baseline. */
export function figureRow(
  scenario: string,
  value: number,
  options: { format: (value: number) => string; comparison: Comparison; limit: number },
): Row {
  return {
    scenario,
    figure: options.format(value),
    baseline: "-",
    ratio: "-",
    target: `${options.comparison} ${options.format(options.limit)}`,
    verdict: compare(value, options) ? "pass" : "FAIL",
  };
}

/** `12.3 ms`. */
export const milliseconds = (ms: number) => `${ms.toFixed(1)} ms`;
/** `12.3 kB`. */
export const kilobytes = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** A load process of simulated peers `range` registered with `server`; `dayPeers` of them send a day of heartbeats on SIGHUP. */
export function peersProcess(server: string, range: PeerRange, dayPeers: number): Child {
  return loadProcess(`index peers ${range.first}+${range.count}`, [
    "peers",
    server,
    ...["--first", String(range.first), "--count", String(range.count)],
    ...["--heartbeat-ms", String(HEARTBEAT_INTERVAL_MS)],
    ...["--day-peers", String(dayPeers), "--day-heartbeats", String(DAY_HEARTBEATS / 2)],
  ], { yielding: true });
}

/** Runs the scenario against a server of its own; its rows. */
export async function indexScenario(options: IndexOptions): Promise<Row[]> {
  const server = await startServer({
    name: "index server",
    key: false,
    watchUsage: true,
    args: ["--open", "--max-per-address", "1000000", "--log-level", "warn", "--no-relay"],
  });
  const loads: Child[] = [];
  try {
    const rssBefore = await quietRss(server.pid, SETTLE_MS);

    const ranges = splitPeers(options.peers, Math.ceil(options.peers / PEERS_PER_PROCESS));
    const perProcessDay = splitPeers(options.dayPeers, ranges.length);
    const started = performance.now();
    loads.push(
      ...ranges.map((range, i) =>
        peersProcess(server.address, range, perProcessDay[i]?.count ?? 0)
      ),
    );
    const timeout = MINUTE_MS + options.peers * REGISTER_MS_PER_PEER;
    const registered = await Promise.all(
      loads.map((load) => loadEvent(load, "registered", timeout)),
    );
    const registerMs = performance.now() - started;
    const held = registered.reduce((sum, event) => sum + event.peers, 0);
    const failed = registered.reduce((sum, event) => sum + event.failed, 0);
    const firstFailure = registered.find((event) => event.firstError)?.firstError;
    const rssHeld = await quietRss(server.pid, SETTLE_MS);
    const perPeer = (rssHeld - rssBefore) / held;
    console.log(summaryLine(`index: ${held} peers held`, [
      `registered in ${formatSeconds(registerMs)} (${
        (held / (registerMs / MS_PER_SECOND)).toFixed(0)
      }/s)`,
      `${failed} failed${firstFailure ? ` (first: ${firstFailure})` : ""}`,
      `server RSS ${formatMegabytes(rssBefore)} before, ${formatMegabytes(rssHeld)} with them`,
    ]));

    const serverCpuBefore = cpuMs([server]);
    const loadCpuBefore = cpuMs(loads);
    const client = loadProcess("index lookups", [
      "lookups",
      server.address,
      ...["--peers", String(options.peers), "--rate", String(options.rate)],
      ...["--seconds", String(options.seconds)],
    ]);
    const lookups = await loadEvent(client, "lookups", options.seconds * MS_PER_SECOND + MINUTE_MS);
    await client.exited;
    const serverCpu = cpuMs([server]) - serverCpuBefore;
    const loadCpu = cpuMs(loads) - loadCpuBefore + client.usage.cpuMs;
    console.log(summaryLine(`index: lookups and sources at ${options.rate}/s`, [
      `server holds ${lookups.peersHeld} peers`,
      `${lookups.requests} asked, ${lookups.errors} failed` +
      (lookups.firstError ? ` (first: ${lookups.firstError})` : ""),
      `p50 ${milliseconds(lookups.p50)}, p99 ${milliseconds(lookups.p99)}, ` +
      `max ${milliseconds(lookups.max)}`,
      `CPU over ${options.seconds} s: server ${formatSeconds(serverCpu)}, ` +
      `load processes ${formatSeconds(loadCpu)} (heartbeats of ${held} peers included)`,
    ]));

    // Two half days: the first also lets the heap grow to the rate of the
    // flood; growth over the second is what heartbeats themselves cost.
    const rssBeforeDay = rssOf(server.pid);
    const halves: { ms: number; heartbeats: number; rss: number }[] = [];
    for (let half = 0; half < 2; half++) {
      const halfStarted = performance.now();
      for (const load of loads) Deno.kill(load.pid, "SIGHUP");
      const days = await Promise.all(
        loads.map((load) => loadEvent(load, "day", DAY_HEARTBEATS * 10 + MINUTE_MS, half)),
      );
      const ms = performance.now() - halfStarted;
      const heartbeats = days.reduce((sum, event) => sum + event.heartbeats, 0);
      halves.push({ ms, heartbeats, rss: await quietRss(server.pid, DAY_SETTLE_MS) });
    }
    const dayGrowth = halves[1].rss - halves[0].rss;
    console.log(summaryLine(`index: a day of heartbeats, in two halves`, [
      `${halves[0].heartbeats + halves[1].heartbeats} heartbeats from ${options.dayPeers} peers ` +
      `in ${formatSeconds(halves[0].ms + halves[1].ms)}`,
      `server RSS ${formatMegabytes(rssBeforeDay)} before, ${formatMegabytes(halves[0].rss)} ` +
      `after the first half, ${formatMegabytes(halves[1].rss)} after the second`,
    ]));

    const probe = loadProcess("index probe", ["probe", server.address]);
    await loadEvent(probe, "ready", MINUTE_MS);
    const leftAt = Date.now();
    for (const load of loads) Deno.kill(load.pid, "SIGUSR2");
    const empty = await loadEvent(probe, "empty", MINUTE_MS + options.peers * 10);
    console.log(summaryLine(`index: everyone leaves at once`, [
      `index empty ${formatSeconds(empty.at - leftAt)} after the first close`,
      `longest wait for an answer ${milliseconds(empty.longestWaitMs)} ` +
      `(typical ${milliseconds(empty.typicalWaitMs)})`,
    ]));
    await Promise.all(loads.map((load) => load.exit(MINUTE_MS)));

    const label = `index ${held} peers`;
    return [
      figureRow(`${label}: server RSS per peer`, perPeer, {
        format: kilobytes,
        comparison: "<=",
        limit: TARGET_RSS_PER_PEER_BYTES,
      }),
      figureRow(`${label}: lookup/sources p99 at ${options.rate}/s`, lookups.p99, {
        format: milliseconds,
        comparison: "<",
        limit: TARGET_LOOKUP_P99_MS,
      }),
      figureRow(`${label}: RSS growth over the second half day`, dayGrowth, {
        format: formatMegabytes,
        comparison: "<",
        limit: TARGET_DAY_GROWTH_BYTES,
      }),
      figureRow(`${label}: longest stall as all leave`, empty.longestWaitMs, {
        format: milliseconds,
        comparison: "<",
        limit: TARGET_STALL_MS,
      }),
    ];
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    await server.stop();
  }
}
