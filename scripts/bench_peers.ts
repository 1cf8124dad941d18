/**
 * The p2pft peers and the data files the scenarios of `deno task bench`
 * share: a seeder that has printed its ID, a downloader's figures, random
 * data, and byte comparisons made outside p2pft.
 *
 * @module
 */

import { type LineMatch, output, P2pftProcess, peerArgs } from "./process_harness.ts";
import { parseDownloaded, parseFileId, parseListening, type Uploaded } from "./bench_parse.ts";

/** Longest a seeder may take to hash what it shares and print its ID. */
const SHARE_TIMEOUT_MS = 300_000;
/** Longest a download may take before the run is abandoned. */
export const DOWNLOAD_TIMEOUT_MS = 600_000;

/** Size of the block the source data is generated in. */
const GENERATE_BLOCK_BYTES = 4 * 1024 * 1024;
/** Most bytes `crypto.getRandomValues` fills per call. */
const RANDOM_FILL_BYTES = 65_536;

/** What the peers need of the bench: the server they register with. */
export interface BenchServer {
  /** `host:port` of the server. */
  server: string;
  /** Arguments every peer gets besides (a later `--addr` replaces the loopback one). */
  peerArgs?: string[];
}

/** A p2pft peer registered with the bench's server, its memory and CPU time sampled. */
export function peer(
  bench: BenchServer,
  name: string,
  options: { args: string[]; denoFlags?: string[] },
) {
  const args = ["--log-level", "info", ...bench.peerArgs ?? [], ...options.args];
  return new P2pftProcess(peerArgs(bench.server, args), {
    name,
    denoFlags: options.denoFlags,
    watchUsage: true,
  });
}

/** A seeder sharing a file or a folder, once it has printed its ID. */
export interface Seeder {
  child: P2pftProcess;
  fileId: string;
  /** Time from spawn to the `File ID` line (start-up and hashing). */
  shareMs: number;
}

/** Starts a peer sharing `source` (a file or a folder) and waits for its ID. */
export async function startSeeder(bench: BenchServer, source: string, denoFlags: string[] = []) {
  const child = peer(bench, "seeder", { args: ["-r", source], denoFlags });
  const id = await child.stdout.waitForLine(parseFileId, SHARE_TIMEOUT_MS);
  return { child, fileId: id.value, shareMs: id.at - child.started } satisfies Seeder;
}

/** Stops a seeder and reads how much it uploaded from its last log line. */
export async function stopSeeder(seeder: Seeder): Promise<Uploaded> {
  seeder.child.sample();
  await seeder.child.stop();
  const uploaded = await seeder.child.uploaded().catch(() => null);
  if (!uploaded) {
    throw new Error(`the seeder logged no "uploaded" line:\n${seeder.child.describe()}`);
  }
  return uploaded;
}

/** A finished download. */
export interface Download {
  /** Spawn to exit, in ms. */
  processMs: number;
  /** `listening` line to `Downloaded:` line, in ms: the transfer without runtime start-up. */
  transferMs: number;
  /** Spawn to `Downloaded:` line, in ms. */
  untilDownloadedMs: number;
  /** When it was spawned and when it exited (`performance.now()` clock). */
  started: number;
  ended: number;
  /** Path it saved. */
  path: string;
  /** Peak memory (VmHWM last read, and the largest VmRSS sampled). */
  hwm: number;
  maxRss: number;
  /** CPU time, user + system, all threads, in ms: as it logged at exit, else as last sampled. */
  cpuMs: number;
  /** What it uploaded to other peers, if it logged it. */
  uploaded: number;
}

/** Spawns one downloader; call {@linkcode finishDownload} on the result. */
export function spawnDownload(
  bench: BenchServer,
  fileId: string,
  dir: string,
  denoFlags: string[] = [],
) {
  return peer(bench, `downloader -> ${dir}`, {
    args: ["-d", fileId, "-o", dir, "--exit-when-done"],
    denoFlags,
  });
}

/**
 * Waits for a downloader to exit (killed after {@linkcode DOWNLOAD_TIMEOUT_MS})
 * and reads its figures; throws when it failed.
 */
export async function finishDownload(child: P2pftProcess): Promise<Download> {
  const exit = await child.exit(DOWNLOAD_TIMEOUT_MS);
  if (exit.code !== 0) throw new Error(`download failed (${exit.code}):\n${child.describe()}`);
  const listening: LineMatch<string> = await child.stdout.waitForLine(parseListening, 0);
  const done = await child.stdout.waitForLine(parseDownloaded, 0);
  const uploaded = await child.uploaded().catch(() => null);
  const usage = child.usage;
  return {
    processMs: exit.at - child.started,
    transferMs: done.at - listening.at,
    untilDownloadedMs: done.at - child.started,
    started: child.started,
    ended: exit.at,
    path: done.value,
    hwm: Math.max(usage.hwm, usage.maxRss),
    maxRss: usage.maxRss,
    cpuMs: uploaded?.cpuMs ?? usage.cpuMs,
    uploaded: uploaded?.bytes ?? 0,
  };
}

/** Flushes dirty pages so that a measurement does not pay for the previous one's writes. */
export async function settle(): Promise<void> {
  await output("sync", []);
}

/** Writes `size` random bytes to `path`; resolves to the time it took. */
export async function generate(path: string, size: number): Promise<number> {
  const started = performance.now();
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(GENERATE_BLOCK_BYTES);
  try {
    for (let written = 0; written < size;) {
      const take = Math.min(block.length, size - written);
      for (let offset = 0; offset < take; offset += RANDOM_FILL_BYTES) {
        crypto.getRandomValues(block.subarray(offset, Math.min(offset + RANDOM_FILL_BYTES, take)));
      }
      let done = 0;
      while (done < take) done += await file.write(block.subarray(done, take));
      written += take;
    }
  } finally {
    file.close();
  }
  return performance.now() - started;
}

/** Whether two files have the same bytes (`cmp`, untimed). */
export async function sameBytes(a: string, b: string): Promise<boolean> {
  const result = await new Deno.Command("cmp", { args: ["-s", a, b] }).output();
  return result.success;
}

/** Makes `dir` exist and hold nothing. */
export async function emptyDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
}
