/**
 * The `shaped` scenario of `deno task bench`: a swarm on a network limited
 * by its links, as real networks are, instead of by the CPU as loopback is.
 *
 * Every host is a network namespace on one bridge (see netns.ts), each link
 * capped at the same rate both ways with `tc tbf`: host 0 runs the p2pft
 * server and the BitTorrent tracker, host 1 the seeder, the others one
 * downloader each. In every round, one downloader alone, then groups of
 * {@linkcode GROUPS} downloaders started together, each from a fresh seeder;
 * the same with aria2c over BitTorrent (a torrent made by mktorrent, the
 * tracker of bench_tracker.ts), the peer to beat, interleaved with p2pft.
 * Upload figures are the bytes each host sent on its link (the same measure
 * for both tools, headers included); p2pft's seeder also logs its own count.
 * Nothing reaches the machine's interfaces: the namespaces have no route
 * out, and mDNS is off. Needs root and `tc`; without aria2c or mktorrent the
 * BitTorrent rows say skipped and how to install them.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLan, type Lan } from "./netns.ts";
import { Child, P2pftProcess } from "./process_harness.ts";
import { emptyDir, generate, settle } from "./bench_peers.ts";
import {
  compareRow,
  formatMegabytes,
  formatRatio,
  formatSeconds,
  formatSize,
  type Row,
  skippedRow,
  summaryLine,
} from "./bench_report.ts";
import { findProgram } from "./bench_ssh.ts";
import {
  aria2Tool,
  findBitTorrent,
  launcher,
  p2pftTool,
  SEED_TIMEOUT_MS,
  type Tool,
} from "./bench_shaped_tools.ts";
import {
  downloaderHosts,
  formatLinkRate,
  type GroupFigures,
  groupFigures,
  type GroupRun,
  hostCount,
  HUB_HOST,
  mktorrentArgs,
  parseTrackerListening,
  parseTxBytes,
  SEEDER_HOST,
  tbfQdisc,
  type ToolRound,
  wireFloorMs,
} from "./bench_shaped_plan.ts";

const TRACKER_SCRIPT = fileURLToPath(new URL("./bench_tracker.ts", import.meta.url));

/** Downloaders started together in each group, after one alone. */
export const GROUPS = [4, 8];

/** Most the group of each size may take, as a multiple of one downloader alone. */
const TARGET_RATIO: Record<number, number> = { 4: 1.15, 8: 1.3 };

/** Most the seeder may send, in copies of the file. */
const TARGET_SEEDER_COPIES = 1.3;

/** Third octet of the LAN's addresses (any: the LAN is isolated). */
const SUBNET = 77;

/** Sizes, rate and rounds of the scenario. */
export interface ShapedOptions {
  /** File size. */
  size: number;
  /** Rate of every link, each way, in bits per second. */
  rate: number;
  /** Rounds of every measurement. */
  runs: number;
  /** Work folder on tmpfs: the source and the downloads. */
  work: string;
}

/** One tool's side of the scenario: a seeder and downloaders on the LAN's hosts. */
/** Bytes each of `hosts` has sent on its link so far. */
function txBytes(lan: Lan, hosts: number[]): Promise<number[]> {
  return Promise.all(hosts.map(async (host) => {
    const out = await lan.output(host, ["ip", "-j", "-s", "link", "show", lan.hosts[host].iface]);
    return parseTxBytes(new TextDecoder().decode(out.stdout));
  }));
}

/** `count` downloaders of `tool` started together from a fresh seeder. */
async function group(
  lan: Lan,
  tool: Tool,
  options: { count: number; work: string },
): Promise<GroupRun & { seederSaid: number | undefined }> {
  const hosts = downloaderHosts(options.count);
  const dirs = hosts.map((host) => join(options.work, `shaped-${tool.name}-${host}`));
  await Promise.all(dirs.map(emptyDir));
  await settle();
  const seeding = await tool.seed();
  let stopped = false;
  try {
    const before = await txBytes(lan, [SEEDER_HOST, ...hosts]);
    const spans = await Promise.all(hosts.map((host, i) => tool.download(host, dirs[i])));
    const after = await txBytes(lan, [SEEDER_HOST, ...hosts]);
    const sent = after.map((bytes, i) => bytes - before[i]);
    stopped = true;
    const seederSaid = await seeding.stop();
    return { spans, seederTx: sent[0], downloaderTx: sent.slice(1), seederSaid };
  } finally {
    if (!stopped) await seeding.stop();
    await Promise.all(dirs.map((dir) => Deno.remove(dir, { recursive: true }).catch(() => {})));
  }
}

/** A tool's rounds, with what its seeder said it sent in each group. */
interface ToolResults {
  rounds: ToolRound[];
  /** Group size -> chunk bytes the seeder logged, per round (p2pft only). */
  seederSaid: Map<number, number[]>;
}

async function measure(lan: Lan, tools: Tool[], options: ShapedOptions) {
  const results = tools.map((): ToolResults => ({ rounds: [], seederSaid: new Map() }));
  for (let round = 0; round < options.runs; round++) {
    const runs = tools.map(() => new Map<number, GroupRun>());
    for (const count of [1, ...GROUPS]) {
      for (const [i, tool] of tools.entries()) {
        const run = await group(lan, tool, { count, work: options.work });
        runs[i].set(count, run);
        if (run.seederSaid !== undefined) {
          const said = results[i].seederSaid.get(count) ?? [];
          results[i].seederSaid.set(count, [...said, run.seederSaid]);
        }
      }
    }
    runs.forEach((byCount, i) => {
      const alone = byCount.get(1)!;
      byCount.delete(1);
      results[i].rounds.push({ alone, groups: byCount });
    });
  }
  return results;
}

function toolFacts(name: string, results: ToolResults, size: number): string[] {
  const first = groupFigures(results.rounds, { group: GROUPS[0], size });
  const facts = [
    `${name} one alone ${formatSeconds(first.aloneMs)} (CPU ${formatSeconds(first.aloneCpuMs)})`,
  ];
  for (const count of GROUPS) {
    const figures = groupFigures(results.rounds, { group: count, size });
    const said = results.seederSaid.get(count);
    facts.push(
      `1+${count} ${formatSeconds(figures.wallMs)} (${formatRatio(figures.ratio)} alone` +
        (figures.transferRatio === undefined
          ? ""
          : `; ready to done ${formatRatio(figures.transferRatio)} alone`) +
        `), ` +
        `seeder sent ${formatRatio(figures.seederCopies)} the file` +
        (said ? ` (its own count: ${said.map((b) => formatRatio(b / size)).join(", ")})` : "") +
        `, downloaders sent ${figures.downloaderTx.map(formatMegabytes).join(", ")}` +
        `, CPU ${formatSeconds(figures.cpuMs)} per downloader`,
    );
  }
  return facts;
}

function rows(label: string, p2pft: GroupFigures, aria2: GroupFigures | string, count: number) {
  const name = `${label} shaped 1+${count}`;
  const out: Row[] = [
    compareRow({
      scenario: `${name}: p2pft wall time`,
      value: p2pft.wallMs,
      baselineValue: p2pft.aloneMs,
      format: formatSeconds,
      baselineName: "alone",
      target: { on: "ratio", comparison: "<=", limit: TARGET_RATIO[count] },
    }),
    compareRow({
      scenario: `${name}: p2pft seeder sent`,
      value: p2pft.seederCopies,
      baselineValue: 1,
      format: formatRatio,
      baselineName: "file",
      target: { on: "figure", comparison: "<=", limit: TARGET_SEEDER_COPIES },
    }),
  ];
  const vsAria2 = {
    scenario: `${name}: p2pft ratio`,
    value: p2pft.ratio,
    format: formatRatio,
    baselineName: "aria2c",
    target: { on: "ratio", comparison: "<", limit: 1 } as const,
  };
  if (typeof aria2 === "string") {
    return [...out, skippedRow({ ...vsAria2, reason: aria2 })];
  }
  return [
    ...out,
    compareRow({
      scenario: `${name}: aria2c wall time`,
      value: aria2.wallMs,
      baselineValue: aria2.aloneMs,
      format: formatSeconds,
      baselineName: "alone",
    }),
    compareRow({
      scenario: `${name}: aria2c seeder sent`,
      value: aria2.seederCopies,
      baselineValue: 1,
      format: formatRatio,
      baselineName: "file",
    }),
    compareRow({ ...vsAria2, baselineValue: aria2.ratio }),
    // The ratios hide each tool's fixed start and end, which differ: the
    // seconds a swarm adds to one alone do not.
    compareRow({
      scenario: `${name}: p2pft time added`,
      value: p2pft.wallMs - p2pft.aloneMs,
      baselineValue: aria2.wallMs - aria2.aloneMs,
      format: formatSeconds,
      baselineName: "aria2c",
    }),
  ];
}

/** Runs the scenario and returns its table rows; none, with a line saying why, without root. */
export async function shaped(options: ShapedOptions): Promise<Row[]> {
  if (Deno.uid() !== 0 || !await findProgram("tc")) {
    console.log("shaped: skipped: needs root and tc (iproute2) for network namespaces");
    return [];
  }
  const { size, rate } = options;
  const label = formatSize(size);
  const source = join(options.work, "shaped", "shaped.bin");
  await Deno.mkdir(dirname(source), { recursive: true });
  await generate(source, size);
  const bitTorrent = await findBitTorrent();
  await using lan = await createLan(hostCount(Math.max(...GROUPS)), {
    subnet: SUBNET,
    qdisc: tbfQdisc(rate),
  });
  const hub = lan.hosts[HUB_HOST].ip;
  await using server = await new P2pftProcess(["server", "--addr", `${hub}:0`], {
    name: "p2pft server",
    launch: launcher(lan, HUB_HOST),
  }).listening();
  const tools = [p2pftTool(lan, { server: server.address, source })];
  await using tracker = typeof bitTorrent === "string" ? undefined : new Child(
    [Deno.execPath(), "run", "--allow-all", "--quiet", TRACKER_SCRIPT, hub],
    { name: "tracker", launch: launcher(lan, HUB_HOST) },
  );
  if (tracker && typeof bitTorrent !== "string") {
    const announce = (await tracker.stdout.waitForLine(parseTrackerListening, SEED_TIMEOUT_MS))
      .value;
    const torrent = join(options.work, "shaped", "shaped.torrent");
    const made = await new Deno.Command(bitTorrent.mktorrent, {
      args: mktorrentArgs(source, { torrent, announce }),
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!made.success) {
      throw new Error(`mktorrent failed: ${new TextDecoder().decode(made.stderr)}`);
    }
    tools.push(aria2Tool(lan, { aria2c: bitTorrent.aria2c, torrent, tracker, source }));
  }
  const [p2pft, aria2] = await measure(lan, tools, options);
  console.log(summaryLine(`shaped: ${label}, every link ${formatLinkRate(rate)} each way`, [
    `wire floor ${formatSeconds(wireFloorMs(size, rate))} (the file's bytes at the link rate)`,
    ...toolFacts("p2pft", p2pft, size),
    ...(aria2 ? toolFacts("aria2c", aria2, size) : [`aria2c skipped (${bitTorrent})`]),
    "times are first spawn to last exit (ready to done: first listening line to last " +
    "Downloaded line, without the runtime's start-up); sent = bytes on the host's link, " +
    "headers included",
  ]));
  return GROUPS.flatMap((count) =>
    rows(
      label,
      groupFigures(p2pft.rounds, { group: count, size }),
      aria2 ? groupFigures(aria2.rounds, { group: count, size }) : bitTorrent as string,
      count,
    )
  );
}
