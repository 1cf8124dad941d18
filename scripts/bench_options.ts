/**
 * The options of `deno task bench`: its `--help` text, the defaults and the
 * `--quick` sizes, and the checks of what was given.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FOLDER_PARTS } from "./bench_folder.ts";
import { parseSize } from "./bench_report.ts";
import { parseRate } from "./bench_shaped_plan.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** The tmpfs the data and the tmpfs destination live on. */
export const TMPFS = "/dev/shm";
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
const DEFAULT_INDEX_PEERS = 2_000;
const QUICK_INDEX_PEERS = 500;
const DEFAULT_INDEX_SECONDS = 20;
const QUICK_INDEX_SECONDS = 5;
/** Lookups a second of the index and replicas cases. */
export const INDEX_RATE = 200;
/** Rounds of each measurement; figures are the best round, spreads are printed. */
const DEFAULT_RUNS = 3;
const QUICK_RUNS = 1;

/** The `--help` text. */
export const USAGE = `usage: deno task bench [options]

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

/** A `--scenario` value. */
export type Scenario = typeof SCENARIOS[number];

/** The options of a bench run, sizes in bytes. */
export interface Options {
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

/** Context shared by the scenarios. */
export interface Bench {
  options: Options;
  /** Work folder on tmpfs: sources and tmpfs destinations. */
  work: string;
  /** This run's folder inside the disk folder. */
  disk: string;
  /** `host:port` of the server. */
  server: string;
}

/** The options `args` give, or null for `--help`; throws on a value out of range. */
export function readOptions(args: string[]): Options | null {
  const { values } = parseArgs({
    args,
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
