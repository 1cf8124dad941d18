/**
 * The `replicas` scenario of `deno task bench`: the `index` scenario's
 * simulated peers (bench_index_load.ts) split between two server replicas
 * on a Redis of the bench's own (`p2pft server --redis`), every replica
 * holding all of them in memory. Measured:
 *
 * 1. registration: peers held and the rate they registered at, until both
 *    replicas list every peer; each replica's RSS per peer of the network;
 *    Redis's memory per peer;
 * 2. lookups: separate clients ask `lookup` and `sources` of random peers'
 *    files (most registered with the other replica), half of `--index-rate`
 *    at each replica, at once; p50 and p99 of each.
 *
 * Every process runs on 127.0.0.1; the replicas run an open network with no
 * per-address limit and log warnings only.
 *
 * @module
 */

import { createClient } from "@redis/client";
import { type Child, type P2pftProcess, startServer } from "./process_harness.ts";
import { formatMegabytes, formatSeconds, type Row, summaryLine } from "./bench_report.ts";
import { splitPeers } from "./bench_index_plan.ts";
import {
  figureRow,
  kilobytes,
  loadEvent,
  loadProcess,
  milliseconds,
  MINUTE_MS,
  PEERS_PER_PROCESS,
  peersProcess,
  quietRss,
  REGISTER_MS_PER_PEER,
  SETTLE_MS,
  sleep,
  TARGET_LOOKUP_P99_MS,
  TARGET_RSS_PER_PEER_BYTES,
} from "./bench_index.ts";
import { startRedis } from "./redis_server.ts";
import { MS_PER_SECOND } from "../src/constants.ts";
import { dial } from "../src/protocol/dial.ts";
import { parseHostPort } from "../src/protocol/channel.ts";
import { testCredentials } from "../src/test_credentials.ts";

/** Options of {@linkcode replicasScenario}. */
export interface ReplicasOptions {
  /** Simulated peers, in all. */
  peers: number;
  /** Lookups and `sources` a second, in all. */
  rate: number;
  /** Seconds of lookups. */
  seconds: number;
}

/** Pause between two counts of the peers the replicas list. */
const COUNT_PAUSE_MS = 1_000;

/**
 * A client registered with the server at `address`, to count the peers it
 * lists; `others` counters (registered with the other replicas) are listed
 * too, and left out.
 */
async function counter(address: string, others: number) {
  const connection = await dial(parseHostPort(address), {
    role: "peer",
    accept: ["server"],
    credentials: await testCredentials({ open: true }),
  });
  const running = connection.run(() => {}).catch(() => {});
  await connection.request({ t: "register", listenPort: 1 });
  return {
    /** Peers listed, the counters left out. */
    count: async () =>
      (await connection.request({ t: "peers", limit: 1 }) as { total: number }).total - 1 -
      others,
    close: async () => {
      connection.close();
      await running;
    },
  };
}

/**
 * Resolves to how many peers every server of `addresses` lists, once they
 * all list `peers`, or list the same number twice in a row (peers dropped
 * meanwhile), or `timeoutMs` has passed.
 */
async function listed(addresses: string[], peers: number, timeoutMs: number): Promise<number> {
  const counters = await Promise.all(
    addresses.map((address) => counter(address, addresses.length - 1)),
  );
  try {
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    while (true) {
      const counts = await Promise.all(counters.map((one) => one.count()));
      const agreed = counts.every((count) => count === counts[0]) ? counts[0] : -1;
      if (agreed === peers || (agreed >= 0 && agreed === last) || Date.now() > deadline) {
        return Math.min(...counts);
      }
      last = agreed;
      await sleep(COUNT_PAUSE_MS);
    }
  } finally {
    await Promise.all(counters.map((one) => one.close()));
  }
}

/** Redis's `used_memory`, in bytes. */
async function redisMemory(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  try {
    const info = await client.info("memory");
    return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
  } finally {
    client.destroy();
  }
}

/** Runs the scenario against two replicas and a Redis of its own; its rows. */
export async function replicasScenario(options: ReplicasOptions): Promise<Row[]> {
  await using redis = await startRedis();
  const args = ["--open", "--max-per-address", "1000000", "--log-level", "warn", "--no-relay"];
  const replicas: P2pftProcess[] = [];
  for (const name of ["a", "b"]) {
    replicas.push(
      await startServer({
        name: `replica ${name}`,
        key: false,
        watchUsage: true,
        args: [...args, "--redis", redis.url],
      }),
    );
  }
  const loads: Child[] = [];
  try {
    const rssBefore = await Promise.all(
      replicas.map((replica) => quietRss(replica.pid, SETTLE_MS)),
    );
    const redisBefore = await redisMemory(redis.url);
    const ranges = splitPeers(options.peers, 2 * Math.ceil(options.peers / 2 / PEERS_PER_PROCESS));
    const started = performance.now();
    loads.push(
      ...ranges.map((range, i) => peersProcess(replicas[i % 2].address, range, 0)),
    );
    const timeout = MINUTE_MS + options.peers * REGISTER_MS_PER_PEER;
    const registered = await Promise.all(
      loads.map((load) => loadEvent(load, "registered", timeout)),
    );
    const registeredPeers = registered.reduce((sum, event) => sum + event.peers, 0);
    const failed = registered.reduce((sum, event) => sum + event.failed, 0);
    const firstFailure = registered.find((event) => event.firstError)?.firstError;
    const addresses = replicas.map((replica) => replica.address);
    const held = await listed(addresses, registeredPeers, timeout);
    const registerMs = performance.now() - started;
    const rssHeld = await Promise.all(
      replicas.map((replica) => quietRss(replica.pid, SETTLE_MS)),
    );
    const perPeer = rssHeld.map((rss, i) => (rss - rssBefore[i]) / held);
    const redisPerPeer = (await redisMemory(redis.url) - redisBefore) / held;
    console.log(summaryLine(`replicas: ${held} peers held by two replicas on Redis`, [
      `both list all after ${formatSeconds(registerMs)} (${
        (held / (registerMs / MS_PER_SECOND)).toFixed(0)
      }/s), ${failed} failed${firstFailure ? ` (first: ${firstFailure})` : ""}, ` +
      `${registeredPeers - held} dropped since`,
      `RSS per peer ${perPeer.map(kilobytes).join(" and ")}`,
      `Redis ${kilobytes(redisPerPeer)} per peer (${formatMegabytes(redisPerPeer * held)})`,
    ]));

    const clients = replicas.map((replica, i) =>
      loadProcess(`replicas lookups ${i}`, [
        "lookups",
        replica.address,
        ...["--peers", String(options.peers), "--rate", String(options.rate / 2)],
        ...["--seconds", String(options.seconds)],
      ])
    );
    const lookups = await Promise.all(
      clients.map((client) =>
        loadEvent(client, "lookups", options.seconds * MS_PER_SECOND + MINUTE_MS)
      ),
    );
    await Promise.all(clients.map((client) => client.exited));
    console.log(summaryLine(`replicas: lookups and sources at ${options.rate}/s over both`, [
      ...lookups.map((one, i) =>
        `replica ${i}: ${one.requests} asked, ${one.errors} failed, p50 ` +
        `${milliseconds(one.p50)}, p99 ${milliseconds(one.p99)}`
      ),
    ]));
    const label = `replicas ${held} peers`;
    return [
      figureRow(`${label}: replica RSS per peer`, Math.max(...perPeer), {
        format: kilobytes,
        comparison: "<=",
        limit: TARGET_RSS_PER_PEER_BYTES,
      }),
      figureRow(
        `${label}: lookup/sources p99 at ${options.rate}/s`,
        Math.max(...lookups.map((one) => one.p99)),
        { format: milliseconds, comparison: "<", limit: TARGET_LOOKUP_P99_MS },
      ),
    ];
  } finally {
    await Promise.all(loads.map((load) => load.stop()));
    for (const replica of replicas) await replica.stop();
  }
}
