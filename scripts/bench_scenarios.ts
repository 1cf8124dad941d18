/**
 * The scenarios of `deno task bench` that `--scenario` chose, run in turn,
 * each given the sizes and rounds of the options (see bench.ts for what
 * each measures).
 *
 * @module
 */

import { join } from "node:path";
import { folder } from "./bench_folder.ts";
import { indexScenario } from "./bench_index.ts";
import { type Bench, INDEX_RATE, type Scenario } from "./bench_options.ts";
import { generate } from "./bench_peers.ts";
import { relay } from "./bench_relay.ts";
import { replicasScenario } from "./bench_replicas.ts";
import type { Row } from "./bench_report.ts";
import { shaped } from "./bench_shaped.ts";
import { single } from "./bench_single.ts";
import { swarm } from "./bench_swarm.ts";
import { web } from "./bench_web.ts";
import { hasRedisServer } from "./redis_server.ts";

/** Peers that send a day of heartbeats in the index scenario, at most. */
const INDEX_DAY_PEERS = 100;

/** Runs the chosen scenarios in turn and returns their table rows, in order. */
export async function runScenarios(bench: Bench): Promise<Row[]> {
  const { options, work } = bench;
  const rows: Row[] = [];
  const runs = (scenario: Scenario) => options.scenario === scenario || options.scenario === "all";
  if (runs("single")) rows.push(...await single(bench));
  if (runs("swarm")) rows.push(...await swarm(bench));
  if (runs("shaped")) {
    rows.push(
      ...await shaped({
        size: options.shapedSize,
        rate: options.rate,
        runs: options.runs,
        work,
      }),
    );
  }
  if (runs("relay")) {
    const source = join(work, "relay.bin");
    await generate(source, options.swarmSize);
    rows.push(...await relay(source, { size: options.swarmSize, runs: options.runs, work }));
  }
  if (runs("web")) {
    const source = join(work, "web.bin");
    await generate(source, options.swarmSize);
    const sizes = { size: options.swarmSize, runs: options.runs };
    rows.push(...await web(source, { ...sizes, work, server: bench.server }));
  }
  if (runs("folder")) {
    rows.push(
      ...await folder(bench, {
        files: options.folderFiles,
        partSize: options.folderPart,
        runs: options.runs,
      }),
    );
  }
  if (runs("index")) {
    rows.push(
      ...await indexScenario({
        peers: options.indexPeers,
        rate: INDEX_RATE,
        seconds: options.indexSeconds,
        dayPeers: Math.min(INDEX_DAY_PEERS, options.indexPeers),
      }),
    );
  }
  if (runs("replicas") && !hasRedisServer()) {
    console.log(
      "replicas: skipped, redis-server is not installed (apt-get install redis-server)",
    );
  } else if (runs("replicas")) {
    rows.push(
      ...await replicasScenario({
        peers: options.indexPeers,
        rate: INDEX_RATE,
        seconds: options.indexSeconds,
      }),
    );
  }
  return rows;
}
