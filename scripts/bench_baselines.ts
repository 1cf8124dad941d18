/**
 * The single-source case's baselines in `deno task bench`: `cp` of the file
 * into the same folder, a plain TCP stream of the same bytes (bench_tcp.ts)
 * and SHA-256 alone over them.
 *
 * @module
 */

import { createHash } from "node:crypto";
import process from "node:process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MICROSECONDS_PER_MS } from "../src/constants.ts";
import { parseTcpPort, parseTcpReceived } from "./bench_parse.ts";
import { settle } from "./bench_peers.ts";
import { Child, output, RUN_FLAGS } from "./process_harness.ts";

const TCP_SCRIPT = fileURLToPath(new URL("./bench_tcp.ts", import.meta.url));

/** Bytes read at a time by the SHA-256 baseline. */
const SHA_READ_BYTES = 4 * 1024 * 1024;

/** One end of the TCP baseline (bench_tcp.ts), its memory and CPU time sampled. */
function tcpScript(name: string, args: string[]): Child {
  return new Child([Deno.execPath(), ...RUN_FLAGS, TCP_SCRIPT, ...args], {
    name,
    watchUsage: true,
  });
}

/** Milliseconds `cp` takes to copy `source` into `dir` (the copy is deleted after). */
export async function copyBaseline(source: string, dir: string): Promise<number> {
  const target = join(dir, "cp-baseline.bin");
  await settle();
  const started = performance.now();
  await output("cp", [source, target]);
  const ms = performance.now() - started;
  await Deno.remove(target);
  return ms;
}

/** The TCP stream's figures: receiver time and the receiver's peak memory. */
export interface TcpRun {
  /** Accept to end of stream (and file closed), as the receiver measured it. */
  ms: number;
  /** Peak RSS of the receiver (VmHWM). */
  hwm: number;
}

/** Streams `source` over loopback TCP; the receiver discards it, or writes it into `dir`. */
export async function tcpBaseline(source: string, dir?: string): Promise<TcpRun> {
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

/**
 * CPU time (ms, this process) that SHA-256 alone takes over the file at
 * `path` with `node:crypto`, as p2pft verifies chunks, reading it in 4 MiB
 * pieces from the page cache.
 */
export async function sha256CpuMs(path: string): Promise<number> {
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
