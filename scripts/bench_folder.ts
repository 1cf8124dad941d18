/**
 * The `folder` scenario of `deno task bench`: folders through p2pft, each
 * figure next to a baseline measured in the same run.
 *
 * - Many small files: a seeded tree of `files` files of 1–16 KiB, 100 to a
 *   folder, downloaded from one seeder into tmpfs, against `tar c | nc` into
 *   `nc -l | tar x` over loopback (OpenBSD netcat; without it those rows say
 *   skipped and how to install it: the bench installs nothing).
 * - Few big files: a folder of eight `partSize` files against one file of
 *   their total size (the same bytes), both through p2pft.
 *
 * Every copy is compared with its source by `diff -r` (same relative paths,
 * same bytes, nothing more) outside the timed part, and deleted after.
 *
 * @module
 */

import { basename, join } from "node:path";
import { Child, freePort, output } from "./process_harness.ts";
import {
  type BenchServer,
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
  formatSeconds,
  formatSize,
  formatSpread,
  type Row,
  skippedRow,
  spread,
  summaryLine,
} from "./bench_report.ts";
import { findProgram } from "./bench_ssh.ts";
import {
  ncMissingReason,
  plannedFolders,
  smallFilesPlan,
  tarNcCommands,
  type TreeLayout,
} from "./bench_folder_plan.ts";
import { writeRandomFile } from "./sample_files.ts";

/** The small files: 1–16 KiB, 100 to a folder, 10 folders to a group, seed fixed. */
const SMALL_LAYOUT: TreeLayout = {
  seed: 12,
  minBytes: 1024,
  maxBytes: 16 * 1024,
  filesPerFolder: 100,
  foldersPerGroup: 10,
};

/** Files in the folder of the big-files case. */
export const FOLDER_PARTS = 8;

const TARGET_SMALL_VS_TAR_NC = 2;
const TARGET_PARTS_VS_FILE = 1.1;

/** Longest `nc -l` may take to say it listens. */
const NC_LISTEN_TIMEOUT_MS = 10_000;
/** Longest one `tar c | nc` copy may take before it is killed. */
const TAR_NC_TIMEOUT_MS = 300_000;

/** What the scenario needs of the bench. */
export interface FolderBench extends BenchServer {
  /** Work folder on tmpfs: sources and destinations. */
  work: string;
}

/** Sizes and rounds of the scenario. */
export interface FolderOptions {
  /** Files in the small-files tree. */
  files: number;
  /** Size of each of the {@linkcode FOLDER_PARTS} files of the big-files folder. */
  partSize: number;
  /** Rounds of every measurement. */
  runs: number;
}

/** Writes the small-files tree under `root`; resolves to its total size. */
async function writeSmallTree(root: string, files: number): Promise<number> {
  const plan = smallFilesPlan(files, SMALL_LAYOUT);
  for (const folder of plannedFolders(plan)) await Deno.mkdir(join(root, folder));
  for (const file of plan) {
    await writeRandomFile(join(root, file.path), file.size, { seed: file.seed });
  }
  return plan.reduce((sum, file) => sum + file.size, 0);
}

/** Throws unless `copy` holds the same relative paths and bytes as `source` (`diff -r`). */
export async function assertSameTree(source: string, copy: string, what: string): Promise<void> {
  const result = await new Deno.Command("diff", {
    args: ["-r", "-q", "--no-dereference", source, copy],
    stdin: "null",
  }).output();
  if (result.success) return;
  const said = new TextDecoder().decode(result.stdout).split("\n").slice(0, 3).join("; ");
  throw new Error(`${what} into ${copy} differs from ${source}: ${said || result.code}`);
}

/** Why the `tar c | nc` baseline cannot run here, or null. */
export async function tarNcSkipReason(): Promise<string | null> {
  const nc = await findProgram("nc");
  if (!nc) return ncMissingReason(null);
  const help = await new Deno.Command(nc, { args: ["-h"], stdin: "null" }).output();
  const decoder = new TextDecoder();
  return ncMissingReason(decoder.decode(help.stdout) + decoder.decode(help.stderr));
}

/** A `bash -c` end of the baseline, killed after {@linkcode TAR_NC_TIMEOUT_MS}. */
async function finish(child: Child): Promise<number> {
  const exit = await child.exit(TAR_NC_TIMEOUT_MS);
  if (exit.code !== 0) throw new Error(`tar | nc failed (${exit.code}): ${child.describe()}`);
  return exit.at;
}

/**
 * One `tar c -C source . | nc` into `nc -l | tar x -C target`; resolves to
 * the time from the sender's spawn to the later of both exits, in ms. The
 * copy is checked against `source` and deleted.
 */
export async function tarNc(source: string, target: string): Promise<number> {
  await emptyDir(target);
  await settle();
  const commands = tarNcCommands(freePort(), { source, target });
  const receiver = new Child(commands.receiver, { name: "tar | nc receiver" });
  try {
    await receiver.stderr.waitFor(/^Listening on /, NC_LISTEN_TIMEOUT_MS);
    const sender = new Child(commands.sender, { name: "tar | nc sender" });
    const ends = await Promise.all([finish(sender), finish(receiver)]);
    const ms = Math.max(...ends) - sender.started;
    await assertSameTree(source, target, "tar | nc");
    return ms;
  } finally {
    await receiver.stop();
    await Deno.remove(target, { recursive: true }).catch(() => {});
  }
}

/** One p2pft download of `seeder`'s folder or file into the empty `dir`, checked and deleted. */
async function download(bench: FolderBench, seeder: Seeder, source: string): Promise<Download> {
  const dir = join(bench.work, "folder-dl");
  await emptyDir(dir);
  try {
    await settle();
    const run = await finishDownload(spawnDownload(bench, seeder.fileId, dir));
    const expected = join(dir, basename(source));
    if (run.path !== expected) throw new Error(`p2pft saved ${run.path}, not ${expected}`);
    const info = await Deno.stat(source);
    if (info.isDirectory) await assertSameTree(source, run.path, "p2pft");
    else if (!await sameBytes(source, run.path)) throw new Error(`${run.path} differs`);
    return run;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** `what: transfer ...; spawn to exit ...` of some downloads. */
function downloadFacts(what: string, runs: Download[]): string {
  const transfer = spread(runs.map((run) => run.transferMs));
  const process = spread(runs.map((run) => run.processMs));
  return `${what} transfer ${formatSpread(transfer, formatSeconds)}, ` +
    `spawn to exit ${formatSpread(process, formatSeconds)}`;
}

/** Best transfer time (listening line to Downloaded line) of some downloads, in ms. */
function bestTransfer(runs: Download[]): number {
  return Math.min(...runs.map((run) => run.transferMs));
}

async function smallFiles(bench: FolderBench, options: FolderOptions): Promise<Row[]> {
  const root = join(bench.work, "folder-small");
  const tree = join(root, `${options.files}-files`);
  await Deno.mkdir(tree, { recursive: true });
  try {
    const started = performance.now();
    const bytes = await writeSmallTree(tree, options.files);
    const label = `${options.files} files (${formatSize(bytes)})`;
    console.log(
      `folder: generated ${label} of 1-16 KiB in ${formatSeconds(performance.now() - started)}`,
    );
    const skipped = await tarNcSkipReason();
    const seeder = await startSeeder(bench, tree);
    const tarNcMs: number[] = [];
    const runs: Download[] = [];
    try {
      for (let round = 0; round < options.runs; round++) {
        if (!skipped) tarNcMs.push(await tarNc(tree, join(root, "tar-nc")));
        runs.push(await download(bench, seeder, tree));
      }
    } finally {
      await stopSeeder(seeder);
    }
    console.log(summaryLine(`folder: ${label} -> tmpfs`, [
      `seeder shared it in ${formatSeconds(seeder.shareMs)} (start-up + hashing)`,
      downloadFacts("p2pft", runs),
      skipped
        ? `tar | nc skipped (${skipped})`
        : `tar c | nc -> nc -l | tar x ${formatSpread(spread(tarNcMs), formatSeconds)} ` +
          "(sender spawn to both exits)",
      "trees identical by diff -r",
    ]));
    const common = { format: formatSeconds, baselineName: "tar|nc" };
    const rows = [
      { scenario: `${label} -> tmpfs: transfer`, value: bestTransfer(runs) },
      {
        scenario: `${label} -> tmpfs: spawn to exit`,
        value: Math.min(...runs.map((run) => run.processMs)),
      },
    ];
    return rows.map((row, i) => {
      const target = i === 0
        ? { on: "ratio", comparison: "<=", limit: TARGET_SMALL_VS_TAR_NC } as const
        : undefined;
      return skipped
        ? skippedRow({ ...row, ...common, target, reason: skipped })
        : compareRow({ ...row, ...common, target, baselineValue: Math.min(...tarNcMs) });
    });
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

async function bigFiles(bench: FolderBench, options: FolderOptions): Promise<Row[]> {
  const root = join(bench.work, "folder-big");
  const file = join(root, "whole.bin");
  const parts = join(root, `${FOLDER_PARTS}-parts`);
  await Deno.mkdir(parts, { recursive: true });
  try {
    const size = options.partSize * FOLDER_PARTS;
    await generate(file, size);
    await output("split", ["-b", String(options.partSize), "-d", file, join(parts, "part-")]);
    const fileSeeder = await startSeeder(bench, file);
    const partsSeeder = await startSeeder(bench, parts).catch(async (error) => {
      await stopSeeder(fileSeeder);
      throw error;
    });
    const fileRuns: Download[] = [];
    const partsRuns: Download[] = [];
    try {
      for (let round = 0; round < options.runs; round++) {
        fileRuns.push(await download(bench, fileSeeder, file));
        partsRuns.push(await download(bench, partsSeeder, parts));
      }
    } finally {
      await Promise.all([stopSeeder(fileSeeder), stopSeeder(partsSeeder)]);
    }
    const folderLabel = `${FOLDER_PARTS} x ${formatSize(options.partSize)} folder`;
    console.log(summaryLine(`folder: ${folderLabel} vs one ${formatSize(size)} file -> tmpfs`, [
      downloadFacts("folder", partsRuns),
      downloadFacts("file", fileRuns),
      "the same bytes (the file split in parts); folder identical by diff -r, file by cmp",
    ]));
    return [compareRow({
      scenario: `${folderLabel} -> tmpfs: transfer`,
      value: bestTransfer(partsRuns),
      baselineValue: bestTransfer(fileRuns),
      format: formatSeconds,
      baselineName: `${formatSize(size)} file`,
      target: { on: "ratio", comparison: "<=", limit: TARGET_PARTS_VS_FILE },
    })];
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

/** Runs the scenario (small files, then big files) and returns its table rows. */
export async function folder(bench: FolderBench, options: FolderOptions): Promise<Row[]> {
  return [...await smallFiles(bench, options), ...await bigFiles(bench, options)];
}
