/**
 * Pure parsers for `deno task bench`: the p2pft output lines it relies on,
 * `/proc` files, `--help` text and V8 CPU profiles.
 *
 * @module
 */

import { MS_PER_SECOND } from "../src/constants.ts";

const BYTES_PER_KB = 1024;

/** Address in a `p2pft server|peer listening on HOST:PORT` line, or null. */
export function parseListening(line: string): string | null {
  return /^p2pft (?:server|peer) listening on (\S+)$/.exec(line.trim())?.[1] ?? null;
}

/** File ID in a `File ID: <64 hex>  name` line (the name may be absent), or null. */
export function parseFileId(line: string): string | null {
  return /^File ID: ([0-9a-f]{64})(?: {2}|$)/.exec(line.trim())?.[1] ?? null;
}

/** Path in a `Downloaded: <path>` line, or null. */
export function parseDownloaded(line: string): string | null {
  return /^Downloaded: (.+)$/.exec(line.trim())?.[1] ?? null;
}

/** Port in the TCP baseline receiver's `port N` line, or null. */
export function parseTcpPort(line: string): number | null {
  const match = /^port (\d+)$/.exec(line.trim());
  return match ? Number(match[1]) : null;
}

/** What the TCP baseline receiver reports when the stream has ended. */
export interface TcpReceived {
  /** Bytes received. */
  bytes: number;
  /** Milliseconds from accepting the connection to the end of the stream. */
  ms: number;
  /** The receiver's own peak RSS (VmHWM) in bytes. */
  hwm: number;
}

/** The figures of a `received N bytes in MS ms, VmHWM K kB` line, or null. */
export function parseTcpReceived(line: string): TcpReceived | null {
  const match = /^received (\d+) bytes in (\d+(?:\.\d+)?) ms, VmHWM (\d+) kB$/.exec(
    line.trim(),
  );
  if (!match) return null;
  return {
    bytes: Number(match[1]),
    ms: Number(match[2]),
    hwm: Number(match[3]) * BYTES_PER_KB,
  };
}

/** Counts in a log line like `... uploaded N bytes (M chunks) to other peers`. */
export interface Uploaded {
  /** Chunk bytes uploaded. */
  bytes: number;
  /** Chunks uploaded. */
  chunks: number;
  /** CPU time of the whole process, in ms, when the line names it. */
  cpuMs?: number;
}

/** The counts of an `uploaded N bytes (M chunks) ...; T ms of CPU time` log line, or null. */
export function parseUploaded(line: string): Uploaded | null {
  const match = /uploaded (\d+) bytes \((\d+) chunks?\)(?:.*?(\d+) ms of CPU time)?/.exec(line);
  if (!match) return null;
  const counts = { bytes: Number(match[1]), chunks: Number(match[2]) };
  return match[3] === undefined ? counts : { ...counts, cpuMs: Number(match[3]) };
}

/** Memory figures of `/proc/<pid>/status`, in bytes. */
export interface ProcMemory {
  /** Resident set size now (VmRSS). */
  rss: number;
  /** Peak resident set size so far (VmHWM). */
  hwm: number;
}

/** VmRSS and VmHWM of a `/proc/<pid>/status` text, or null if absent. */
export function parseProcStatus(text: string): ProcMemory | null {
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(text);
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(text);
  if (!rss || !hwm) return null;
  return { rss: Number(rss[1]) * BYTES_PER_KB, hwm: Number(hwm[1]) * BYTES_PER_KB };
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** Index of utime among the fields after the `(comm)` of `/proc/<pid>/stat`. */
const UTIME_AFTER_COMM = 11;

/**
 * CPU time (user + system, all threads) in a `/proc/<pid>/stat` text, in
 * milliseconds, or null.
 */
export function parseProcStatCpuMs(text: string): number | null {
  const end = text.lastIndexOf(")");
  if (end < 0) return null;
  const fields = text.slice(end + 2).trim().split(/\s+/);
  const utime = Number(fields[UTIME_AFTER_COMM]);
  const stime = Number(fields[UTIME_AFTER_COMM + 1]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) / CLOCK_TICKS_PER_SECOND * MS_PER_SECOND;
}

/** MemTotal of a `/proc/meminfo` text in bytes, or null. */
export function parseMemTotal(text: string): number | null {
  const match = /^MemTotal:\s+(\d+) kB$/m.exec(text);
  return match ? Number(match[1]) * BYTES_PER_KB : null;
}

/** The parts of a V8 `.cpuprofile` that {@linkcode topSelfTime} reads. */
export interface CpuProfile {
  /** Call-tree nodes. */
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }[];
  /** Start and end, in microseconds. */
  startTime: number;
  endTime: number;
}

/** One function's share of the samples. */
export interface SelfTime {
  /** `name url:line` (the url shortened to its last path segments). */
  where: string;
  /** Samples that were in this function itself. */
  samples: number;
  /** Share of all samples, 0..1. */
  share: number;
}

/** Path segments kept when shortening a script URL. */
const URL_SEGMENTS_KEPT = 2;

/** Shortens `file:///a/b/c/d.ts` to `c/d.ts`. */
function shortUrl(url: string): string {
  return url.split("/").slice(-URL_SEGMENTS_KEPT).join("/");
}

/**
 * The `limit` functions with the most self samples (the function itself, not
 * its callees), merged across call sites. V8's pseudo-nodes such as
 * `(idle)`, `(program)` and `(garbage collector)` are kept: they say where
 * the time went too.
 */
export function topSelfTime(profile: CpuProfile, limit: number): SelfTime[] {
  const byWhere = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    const where = url ? `${name} ${shortUrl(url)}:${lineNumber + 1}` : name;
    byWhere.set(where, (byWhere.get(where) ?? 0) + hits);
  }
  return [...byWhere.entries()]
    .map(([where, samples]) => ({ where, samples, share: total ? samples / total : 0 }))
    .sort((a, b) => b.samples - a.samples || a.where.localeCompare(b.where))
    .slice(0, limit);
}
