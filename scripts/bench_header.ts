/**
 * The lines at the head of a `deno task bench` run: the machine its figures
 * come from (cores, memory, kernel, load, file systems), how the processes
 * run and how the bench measures.
 *
 * @module
 */

import { parseMemTotal } from "./bench_parse.ts";
import { type Options, TMPFS } from "./bench_options.ts";
import { formatSize } from "./bench_report.ts";
import { MAIN, output } from "./process_harness.ts";

/** Load averages shown (1, 5 and 15 minutes). */
const LOAD_AVERAGES = 3;

async function machine(diskDir: string): Promise<string[]> {
  const memory = parseMemTotal(await Deno.readTextFile("/proc/meminfo").catch(() => ""));
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU";
  const load = (await Deno.readTextFile("/proc/loadavg").catch(() => "?")).split(" ")
    .slice(0, LOAD_AVERAGES).join(" ");
  const fsType = (await output("findmnt", ["-no", "FSTYPE", "-T", diskDir]).catch(() => "?"))
    .trim();
  return [
    `machine: ${navigator.hardwareConcurrency} cores (${model}), ` +
    `${memory ? formatSize(memory) : "? GiB"} memory, kernel ${Deno.osRelease()}, ` +
    `deno ${Deno.version.deno} (v8 ${Deno.version.v8}); load average ${load} at start`,
    `disk folder ${diskDir} is ${fsType}; tmpfs folder under ${TMPFS}`,
  ];
}

/** The head of a run with `options`, one line each. */
export async function runHeader(options: Options): Promise<string[]> {
  const lines = await machine(options.diskDir);
  lines.push(
    `p2pft: ${MAIN}; servers and peers with --no-mdns; every process on 127.0.0.1, but the ` +
      "shaped scenario's, in network namespaces of their own",
    "method: `sync` before each measurement; nothing is fsynced (cp, TCP and p2pft all end " +
      "in the page cache), so the disk figures show the write path into a disk file system, " +
      "not the device",
  );
  if (options.profileDir) {
    lines.push(`profiling the single-source peers into ${options.profileDir} (adds overhead)`);
  }
  return lines;
}
