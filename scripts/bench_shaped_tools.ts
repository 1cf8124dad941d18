/**
 * The two tools of the `shaped` scenario (bench_shaped.ts), each able to
 * start a seeder and downloaders on hosts of the shaped LAN: p2pft, and
 * aria2c over BitTorrent, the peer to beat. Every downloader's copy is
 * compared with the source before it counts.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import type { Lan } from "./netns.ts";
import { Child, type Launcher, P2pftProcess } from "./process_harness.ts";
import { parseFileId } from "./bench_parse.ts";
import { DOWNLOAD_TIMEOUT_MS, finishDownload, sameBytes } from "./bench_peers.ts";
import { findProgram } from "./bench_ssh.ts";
import { aria2Args, BITTORRENT_INSTALL, SEEDER_HOST, type Span } from "./bench_shaped_plan.ts";

/** Longest the seeder may take to share the file, or the tracker to hear of it. */
export const SEED_TIMEOUT_MS = 60_000;

export interface Tool {
  name: string;
  /** Starts the seeder on {@linkcode SEEDER_HOST}; resolves once others can find it. */
  seed(): Promise<Seeding>;
  /** Starts a downloader on `host` into `dir`; resolves to its span once it saved the file. */
  download(host: number, dir: string): Promise<Span>;
}

/** A running seeder; `stop` resolves to the chunk bytes it says it sent, if it says. */
interface Seeding {
  stop(): Promise<number | undefined>;
}

/**
 * The seeder `child` once `ready` resolves (stopped if it rejects); `said`
 * reads, once it has stopped, the chunk bytes it says it sent.
 */
async function seeding(
  child: Child,
  ready: Promise<unknown>,
  said: () => Promise<number | undefined> = () => Promise.resolve(undefined),
): Promise<Seeding> {
  try {
    await ready;
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    async stop() {
      await child.stop();
      return await said();
    },
  };
}

export function launcher(lan: Lan, host: number): Launcher {
  return (cmd, options) => lan.exec(host, cmd, options);
}

/** Throws unless the downloader's copy at `path` has the bytes of `source`; deletes it. */
async function checkCopy(source: string, path: string, what: string): Promise<void> {
  const identical = await sameBytes(source, path);
  await Deno.remove(path).catch(() => {});
  if (!identical) throw new Error(`${what}: ${path} differs from ${source}`);
}

export function p2pftTool(lan: Lan, options: { server: string; source: string }): Tool {
  const peer = (host: number, args: string[]) =>
    new P2pftProcess(
      [
        "peer",
        "--addr",
        `${lan.hosts[host].ip}:0`,
        "--server",
        options.server,
        "--log-level",
        "info",
        ...args,
      ],
      { name: `p2pft peer on host ${host}`, launch: launcher(lan, host), watchUsage: true },
    );
  let fileId = "";
  return {
    name: "p2pft",
    seed() {
      const child = peer(SEEDER_HOST, ["-r", options.source]);
      const ready = child.stdout.waitForLine(parseFileId, SEED_TIMEOUT_MS)
        .then((line) => fileId = line.value);
      return seeding(child, ready, async () => (await child.uploaded().catch(() => null))?.bytes);
    },
    async download(host, dir) {
      const run = await finishDownload(peer(host, ["-d", fileId, "-o", dir, "--exit-when-done"]));
      await checkCopy(options.source, run.path, "p2pft");
      const downloadedAt = run.started + run.untilDownloadedMs;
      return {
        started: run.started,
        ended: run.ended,
        cpuMs: run.cpuMs,
        transfer: { started: downloadedAt - run.transferMs, ended: downloadedAt },
      };
    },
  };
}

/** Waits for a downloader that exits when done; throws unless it exited with 0. */
async function exited(child: Child, what: string): Promise<Span> {
  const exit = await child.exit(DOWNLOAD_TIMEOUT_MS);
  if (exit.code !== 0) throw new Error(`${what} failed (${exit.code}): ${child.describe()}`);
  return { started: child.started, ended: exit.at, cpuMs: child.usage.cpuMs };
}

export function aria2Tool(
  lan: Lan,
  options: { aria2c: string; torrent: string; tracker: Child; source: string },
): Tool {
  const seederIp = lan.hosts[SEEDER_HOST].ip.replaceAll(".", "\\.");
  const seeded = new RegExp(`^announce ${seederIp}:\\d+ started left=0$`);
  const aria2 = (host: number, args: string[]) =>
    new Child([options.aria2c, ...args], {
      name: `aria2c on host ${host}`,
      launch: launcher(lan, host),
      watchUsage: true,
    });
  return {
    name: "aria2c",
    seed() {
      const before = options.tracker.stdout.lines.filter((line) => seeded.test(line)).length;
      const child = aria2(
        SEEDER_HOST,
        aria2Args(options.torrent, { dir: dirname(options.source), seeder: true }),
      );
      const ready = options.tracker.stdout.waitForCount(seeded, {
        count: before + 1,
        timeoutMs: SEED_TIMEOUT_MS,
      });
      return seeding(child, ready);
    },
    async download(host, dir) {
      const child = aria2(host, aria2Args(options.torrent, { dir, seeder: false }));
      const span = await exited(child, "aria2c");
      await checkCopy(options.source, join(dir, basename(options.source)), "aria2c");
      return span;
    },
  };
}

/** The BitTorrent baseline's programs, or why it cannot run. */
export async function findBitTorrent(): Promise<{ aria2c: string; mktorrent: string } | string> {
  const aria2c = await findProgram("aria2c");
  const mktorrent = await findProgram("mktorrent");
  if (aria2c && mktorrent) return { aria2c, mktorrent };
  const missing = [aria2c ? "" : "aria2c", mktorrent ? "" : "mktorrent"].filter((m) => m);
  return `${missing.join(" and ")} not found: ${BITTORRENT_INSTALL}`;
}
