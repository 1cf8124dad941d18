/**
 * `deno task bench`: throughput, swarm efficiency and memory of real p2pft
 * server and peer processes on loopback (127.0.0.1 only), each figure next
 * to a baseline measured in the same run. A script, not a test: it prints a
 * table and one summary line per scenario, marks targets met or missed, and
 * never fails on them.
 *
 * Scenarios:
 * - `single`: one seeder, one downloader of a `--size` file (1 GiB) into a
 *   tmpfs folder and into a disk folder, against `cp` of the same file to the
 *   same folder and a plain TCP stream of the same bytes (see bench_tcp.ts);
 *   the tmpfs rate also against `scp` and `rsync -e ssh` of the same file
 *   into the same folder over the bench's own sshd on loopback (see
 *   bench_ssh.ts), the encrypted tools users pick; peak RSS of the
 *   downloaders and the seeder against the TCP receiver's.
 * - `swarm`: one seeder and four downloaders started together on a
 *   `--swarm-size` file (256 MiB), against one downloader alone; bytes the
 *   seeder uploaded against the file size; the CPU time of both, and the
 *   floor the swarm's CPU time sets on this machine's cores.
 * - `shaped`: one seeder and groups of four and eight downloaders started
 *   together on a `--shaped-size` file (128 MiB), each host in a network
 *   namespace whose link `tc` caps at `--rate` (200mbit) each way, against
 *   one downloader alone, and aria2c over BitTorrent on the same network
 *   (see bench_shaped.ts); needs root.
 * - `relay`: one source to one downloader of a `--swarm-size` file through
 *   the server's relay, against the same download direct (see
 *   bench_relay.ts).
 * - `web`: the page a peer serves with `--web`, in chromium: its first
 *   load (in the browser, till the files show) against its `load` event, and
 *   a `--swarm-size` file saved to the browser from `/files` against `curl`
 *   on the same address and against the browser from a plain HTTP server
 *   (see bench_web.ts).
 * - `folder`: a tree of `--folder-files` small files (10,000) against
 *   `tar c | nc` into `tar x` over loopback, and a folder of eight
 *   `--folder-part` files (128 MiB) against one file of their total size
 *   (see bench_folder.ts).
 * - `index`: one server holding `--index-peers` (2,000) simulated peers
 *   over the real protocol: registration rate, RSS per peer, lookup and
 *   `sources` latency at 200 a second, a day of heartbeats, everyone
 *   leaving at once (see bench_index.ts).
 * - `replicas`: the index case's `--index-peers` split between two server
 *   replicas on a Redis of its own: registration until both list every
 *   peer, RSS per peer of each, Redis memory per peer, lookup and `sources`
 *   latency at 200 a second over both (see bench_replicas.ts; skipped
 *   without redis-server).
 *
 * Run `deno task bench --help` for the options (bench_options.ts); each
 * scenario lives in a module of its own, run in turn by bench_scenarios.ts.
 *
 * @module
 */

import { summariseProfiles } from "./bench_profile.ts";
import { cleanUp, makeScratch, onInterrupt } from "./bench_cleanup.ts";
import { runHeader } from "./bench_header.ts";
import { type Bench, readOptions, USAGE } from "./bench_options.ts";
import { formatSeconds, renderTable, type Row, tally } from "./bench_report.ts";
import { runScenarios } from "./bench_scenarios.ts";
import { startServer, USAGE_POLL_MS } from "./process_harness.ts";

/** Functions listed per profile. */
const PROFILE_TOP = 15;

async function main(): Promise<void> {
  const options = readOptions(Deno.args);
  if (!options) {
    console.log(USAGE);
    return;
  }
  onInterrupt(options.keep);
  const started = performance.now();
  const { work, disk } = await makeScratch(options.diskDir);
  for (const line of await runHeader(options)) console.log(line);
  let rows: Row[];
  try {
    const server = await startServer({ name: "server", watchUsage: true });
    const bench: Bench = { options, work, disk, server: server.address };
    rows = await runScenarios(bench);
    await server.stop();
  } finally {
    await cleanUp(options.keep);
  }
  console.log("");
  console.log(renderTable(rows));
  console.log("");
  console.log(
    `ratio = figure / baseline; figures are the best of ${options.runs} round(s) ` +
      "(shortest time, largest RSS and seeder upload); rates in MB/s (10^6 bytes), sizes in " +
      "MiB/GiB; RSS = VmHWM of /proc/<pid>/status (the kernel's peak; sampled every " +
      `${USAGE_POLL_MS} ms, last read just before exit); ` +
      `${tally(rows)}; ` +
      `bench took ${formatSeconds(performance.now() - started)}`,
  );
  if (options.profileDir) {
    console.log("");
    console.log(await summariseProfiles(options.profileDir, PROFILE_TOP));
  }
}

if (import.meta.main) await main();
