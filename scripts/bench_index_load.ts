/**
 * The load generator of the `index` scenario of `deno task bench`: simulated
 * peers and clients speaking the real protocol (secure channel, handshake,
 * `register`, `share`, `heartbeat`, `lookup`, `sources`) to a server. It
 * prints one JSON line per event (see `LoadEvent` in bench_index_plan.ts).
 *
 * Modes (`deno run -A scripts/bench_index_load.ts MODE HOST:PORT [options]`):
 * The server runs an open network (`--open`): the processes need no key.
 *
 * - `peers --first N --count M`: peers N to N+M-1 register and share
 *   {@linkcode FILES_PER_PEER} files each (`registered`), then heartbeat
 *   every `--heartbeat-ms`. SIGHUP: the first `--day-peers` of them send
 *   `--day-heartbeats` heartbeats each, as fast as the server's request
 *   rate allows (`day`). SIGUSR2: all of them leave at once (`left`), and
 *   the process exits. (Not SIGUSR1: on it the runtime opens its debugger,
 *   as Node.js does, whatever listens for it.)
 * - `lookups --peers N --rate R --seconds S`: separate clients ask `lookup`
 *   (by a 10-digit prefix) and `sources` (by full ID) of random peers' files,
 *   R a second in all for S seconds; latency percentiles (`lookups`).
 * - `probe --peers N`: one client asks for one page of the peer list back
 *   to back (`ready` once answered), until the index holds no simulated
 *   peer (`empty`, with the longest and the typical wait for an answer).
 *
 * @module
 */

import { parseArgs } from "node:util";
import process from "node:process";
import { parseHostPort } from "../src/protocol/channel.ts";
import type { Connection } from "../src/protocol/connection.ts";
import { dial } from "../src/protocol/dial.ts";
import { encodeControlFrame } from "../src/protocol/frame.ts";
import { DEFAULT_REQUEST_RATE } from "../src/protocol/request_rate.ts";
import { errorMessage } from "../src/log.ts";
import { computeFileId } from "../src/storage/manifest.ts";
import { testCredentials } from "../src/test_credentials.ts";
import {
  FILES_PER_PEER,
  heartbeatBatches,
  heartbeatTurn,
  type LoadEvent,
  quantile,
  simulatedManifest,
} from "./bench_index_plan.ts";

/** Dials under way at once while peers register. */
const REGISTER_CONCURRENCY = 64;
/** Heartbeats are sent every tick, to a slice of the peers. */
const TICK_MS = 100;
/** Day heartbeats a second per peer: under the server's average rate, with room for the rest. */
const DAY_RATE = {
  perSecond: DEFAULT_REQUEST_RATE.perSecond * 0.9,
  burst: DEFAULT_REQUEST_RATE.burst / 2,
};
/** Lookup clients: requests are spread over them in turn. */
const LOOKUP_CLIENTS = 4;
/** Digits of a file ID a lookup gives. */
const LOOKUP_PREFIX_DIGITS = 10;
/** Pause between two probe requests. */
const PROBE_PAUSE_MS = 1;
const MS_PER_SECOND = 1_000;

function emit(event: LoadEvent): void {
  console.log(JSON.stringify(event));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A registered connection whose incoming messages are ignored. */
async function connect(server: string): Promise<Connection> {
  const connection = await dial(parseHostPort(server), {
    role: "peer",
    accept: ["server"],
    credentials: await testCredentials({ open: true }),
  });
  connection.run(() => {}).catch(() => {});
  // Nothing listens on port 1: the server's dial-back fails at once and
  // flags the peer unreachable, which costs it nothing more.
  await connection.request({ t: "register", listenPort: 1 });
  return connection;
}

async function sharePeer(server: string, peer: number): Promise<Connection> {
  const connection = await connect(server);
  const files = [];
  for (let file = 0; file < FILES_PER_PEER; file++) {
    const manifest = simulatedManifest(peer, file);
    files.push({ fileId: await computeFileId(manifest), manifest });
  }
  await connection.request({ t: "share", files });
  return connection;
}

async function peers(server: string, range: { first: number; count: number }, options: {
  heartbeatMs: number;
  dayPeers: number;
  dayHeartbeats: number;
}): Promise<void> {
  const started = performance.now();
  const connections: Connection[] = [];
  // Heartbeats start with the first registration: registering them all may
  // take longer than the server waits for a peer's first heartbeat.
  const heartbeat = encodeControlFrame({ t: "heartbeat" });
  let tick = 0;
  const beat = setInterval(() => {
    const turn = heartbeatTurn(tick++, {
      count: connections.length,
      tickMs: TICK_MS,
      heartbeatMs: options.heartbeatMs,
    });
    for (const i of turn) connections[i].sendRaw(heartbeat).catch(() => {});
  }, TICK_MS);
  let failed = 0;
  let firstError: string | undefined;
  let next = range.first;
  const worker = async () => {
    while (next < range.first + range.count) {
      const peer = next++;
      try {
        connections.push(await sharePeer(server, peer));
      } catch (error) {
        failed++;
        firstError ??= errorMessage(error);
      }
    }
  };
  await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, worker));
  emit({
    event: "registered",
    peers: connections.length,
    failed,
    ms: performance.now() - started,
    ...(firstError ? { firstError } : {}),
  });

  Deno.addSignalListener("SIGHUP", () => {
    day(connections.slice(0, options.dayPeers), options.dayHeartbeats).catch((error) =>
      console.error(`day of heartbeats failed: ${errorMessage(error)}`)
    );
  });
  Deno.addSignalListener("SIGUSR2", () => {
    clearInterval(beat);
    for (const connection of connections) connection.close("bench: everyone leaves");
    emit({ event: "left", peers: connections.length });
    setTimeout(() => Deno.exit(0), MS_PER_SECOND);
  });
}

/** Each of `connections` sends `count` heartbeats, batched under the server's request rate. */
async function day(connections: Connection[], count: number): Promise<void> {
  const started = performance.now();
  const frame = encodeControlFrame({ t: "heartbeat" });
  const batches = heartbeatBatches(count, DAY_RATE);
  const encoded = new Map<number, Uint8Array>();
  for (const size of new Set(batches)) {
    const bytes = new Uint8Array(frame.length * size);
    for (let i = 0; i < size; i++) bytes.set(frame, i * frame.length);
    encoded.set(size, bytes);
  }
  for (const [i, size] of batches.entries()) {
    const due = started + i * MS_PER_SECOND;
    await sleep(Math.max(0, due - performance.now()));
    await Promise.all(
      connections.map((connection) => connection.sendRaw(encoded.get(size)!).catch(() => {})),
    );
  }
  emit({
    event: "day",
    heartbeats: count * connections.length,
    peers: connections.length,
    ms: performance.now() - started,
  });
}

async function lookups(server: string, options: {
  peers: number;
  rate: number;
  seconds: number;
}): Promise<void> {
  const clients = await Promise.all(
    Array.from({ length: LOOKUP_CLIENTS }, () => connect(server)),
  );
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const pending: Promise<void>[] = [];
  const total = Math.round(options.rate * options.seconds);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    await sleep(Math.max(0, started + i * MS_PER_SECOND / options.rate - performance.now()));
    const peer = Math.floor(Math.random() * options.peers);
    const fileId = await computeFileId(
      simulatedManifest(peer, Math.floor(Math.random() * FILES_PER_PEER)),
    );
    const message = i % 2 === 0
      ? { t: "lookup", query: fileId.slice(0, LOOKUP_PREFIX_DIGITS) }
      : { t: "sources", fileId };
    const sent = performance.now();
    pending.push(
      clients[i % clients.length].request(message).then(
        () => void latencies.push(performance.now() - sent),
        (error) => {
          errors++;
          firstError ??= errorMessage(error);
        },
      ),
    );
  }
  await Promise.all(pending);
  const listed = await clients[0].request({ t: "peers", limit: 1 }) as { total: number };
  emit({
    event: "lookups",
    peersHeld: listed.total - clients.length,
    requests: total,
    errors,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: quantile(latencies, 1),
    ...(firstError ? { firstError } : {}),
  });
  for (const client of clients) client.close();
}

async function probe(server: string): Promise<void> {
  const connection = await connect(server);
  const waits: number[] = [];
  let ready = false;
  while (true) {
    const sent = performance.now();
    const reply = await connection.request({ t: "peers", limit: 1 }) as { total: number };
    waits.push(performance.now() - sent);
    if (!ready) {
      emit({ event: "ready" });
      ready = true;
    }
    // Only the probe itself is left.
    if (reply.total <= 1) break;
    await sleep(PROBE_PAUSE_MS);
  }
  emit({
    event: "empty",
    at: Date.now(),
    longestWaitMs: quantile(waits, 1),
    typicalWaitMs: quantile(waits, 0.5),
  });
  connection.close();
}

async function main(): Promise<void> {
  const [mode, server] = Deno.args;
  const { values } = parseArgs({
    args: Deno.args.slice(2),
    options: {
      first: { type: "string", default: "0" },
      count: { type: "string", default: "0" },
      peers: { type: "string", default: "0" },
      "heartbeat-ms": { type: "string", default: "5000" },
      "day-peers": { type: "string", default: "0" },
      "day-heartbeats": { type: "string", default: "0" },
      rate: { type: "string", default: "200" },
      seconds: { type: "string", default: "10" },
    },
  });
  const number = (name: keyof typeof values) => Number(values[name]);
  process.on("unhandledRejection", (error) => {
    console.error(`unhandled: ${errorMessage(error)}`);
  });
  switch (mode) {
    case "peers":
      return await peers(server, { first: number("first"), count: number("count") }, {
        heartbeatMs: number("heartbeat-ms"),
        dayPeers: number("day-peers"),
        dayHeartbeats: number("day-heartbeats"),
      });
    case "lookups":
      await lookups(server, {
        peers: number("peers"),
        rate: number("rate"),
        seconds: number("seconds"),
      });
      return Deno.exit(0);
    case "probe":
      await probe(server);
      return Deno.exit(0);
    default:
      throw new Error("usage: bench_index_load.ts peers|lookups|probe HOST:PORT [options]");
  }
}

if (import.meta.main) await main();
