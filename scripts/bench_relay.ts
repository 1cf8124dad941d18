/**
 * The `relay` scenario of `deno task bench`: one source to one downloader
 * through the server's relay, against the same download direct, in the same
 * run, on loopback. To be undiallable there, a peer listens on 127.0.0.2
 * while its connection to the server comes from 127.0.0.1: the server's
 * dial-back and the other peer's dial (both to 127.0.0.1) fail, so two such
 * peers meet through the relay. The server runs with relay limits far above
 * what loopback carries, so the figure is the relay's cost, not its cap.
 *
 * @module
 */

import { join } from "node:path";
import {
  type BenchServer,
  emptyDir,
  finishDownload,
  sameBytes,
  settle,
  spawnDownload,
  startSeeder,
  stopSeeder,
} from "./bench_peers.ts";
import {
  compareRow,
  formatRate,
  formatSeconds,
  formatSize,
  formatSpread,
  megabytesPerSecond,
  type Row,
  spread,
  summaryLine,
} from "./bench_report.ts";
import { startServer } from "./process_harness.ts";

/** Relayed throughput wanted, as a share of direct: the relay costs one extra hop. */
const TARGET_RELAYED_VS_DIRECT = 0.5;

/** The relay's per-peer and total rates for the bench, in MiB/s: no cap on loopback. */
const UNCAPPED_RELAY_MIB_PER_SECOND = "1000000";

/** Where a peer listens that nobody can dial back at the address its connections come from. */
const UNDIALLABLE_ADDR = "127.0.0.2:0";

/** One download of `source` into `dir` from a seeder, both peers started as `peers` says; transfer ms. */
async function round(peers: BenchServer, source: string, dir: string): Promise<number> {
  await emptyDir(dir);
  await settle();
  const seeder = await startSeeder(peers, source);
  try {
    const run = await finishDownload(spawnDownload(peers, seeder.fileId, dir));
    const identical = await sameBytes(source, run.path);
    await Deno.remove(run.path);
    if (!identical) throw new Error(`the download into ${dir} differs from the source`);
    return run.transferMs;
  } finally {
    await stopSeeder(seeder);
  }
}

/**
 * Runs the scenario: `runs` rounds of a `size` file from `source` (made
 * already), direct then relayed, into `work`; its rows.
 */
export async function relay(
  source: string,
  options: { size: number; runs: number; work: string },
): Promise<Row[]> {
  const server = await startServer({
    name: "relay server",
    args: [
      ...["--relay-rate", UNCAPPED_RELAY_MIB_PER_SECOND],
      ...["--relay-total-rate", UNCAPPED_RELAY_MIB_PER_SECOND],
    ],
  });
  const direct: number[] = [];
  const relayed: number[] = [];
  const dir = join(options.work, "dl-relay");
  try {
    for (let run = 0; run < options.runs; run++) {
      direct.push(await round({ server: server.address }, source, dir));
      const undiallable = { server: server.address, peerArgs: ["--addr", UNDIALLABLE_ADDR] };
      relayed.push(await round(undiallable, source, dir));
    }
    if (!/relaying between peers/.test(server.stderr.text)) {
      throw new Error(`the relayed rounds did not go through the relay:\n${server.describe()}`);
    }
  } finally {
    await server.stop();
  }
  const label = `${formatSize(options.size)} 1 source`;
  const [directTimes, relayedTimes] = [spread(direct), spread(relayed)];
  console.log(summaryLine("relay: one source, direct and relayed", [
    `direct ${formatSpread(directTimes, formatSeconds)}`,
    `relayed ${formatSpread(relayedTimes, formatSeconds)}`,
  ]));
  return [compareRow({
    scenario: `${label} relayed (server relay, loopback)`,
    value: megabytesPerSecond(options.size, relayedTimes.min),
    baselineValue: megabytesPerSecond(options.size, directTimes.min),
    format: formatRate,
    baselineName: "direct",
    target: { on: "ratio", comparison: ">=", limit: TARGET_RELAYED_VS_DIRECT },
  })];
}
