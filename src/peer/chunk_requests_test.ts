import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { INITIAL_WINDOW } from "./constants.ts";
import { silentLogger } from "../log.ts";
import { ChunkHasher } from "../storage/hasher.ts";
import type { PartFile } from "../storage/part_file.ts";
import { BufferPool } from "./buffer_pool.ts";
import { type ChunkConnection, ChunkRequests } from "./chunk_requests.ts";
import { DownloadSources } from "./download_sources.ts";
import { SAMPLE_MS, WORKER_MIN_REMAINING_BYTES } from "./hash_placement.ts";
import { Scheduler } from "./scheduler.ts";

const CHUNKS = 10;
const manifest = {
  name: "x",
  size: CHUNKS,
  chunkSize: 1,
  chunkHashes: Array(CHUNKS).fill("d".repeat(64)),
};

/** A connection whose requests never get an answer; it records what it is asked and told. */
function silentConnection(name: string, log: string[]): ChunkConnection {
  let nextId = 1;
  return {
    requestData: (message, _allocate, options = {}) => {
      const id = nextId++;
      options.onId?.(id);
      log.push(`${name} get ${message.index} as ${id}`);
      return new Promise(() => {});
    },
    cancel: (id, reason) => void log.push(`${name} cancel ${id}: ${reason}`),
  };
}

/** Requests of one download whose only source is `peer`, through `connections` in turn. */
function requests(options: { buffers: number; connections: ChunkConnection[] }) {
  const scheduler = new Scheduler(CHUNKS);
  const sources = new DownloadSources(scheduler, "me");
  sources.update([{ peerId: "peer", address: "10.0.0.1:1" }]);
  const connections = [...options.connections];
  return {
    scheduler,
    requests: new ChunkRequests({
      fileId: "f".repeat(64),
      manifest,
      part: {} as PartFile,
      scheduler,
      sources,
      pool: { get: () => Promise.resolve(connections.shift()!), drop: () => {} },
      hasher: {} as ChunkHasher,
      buffers: new BufferPool(options.buffers, 1),
      stallTimeoutMs: 0,
      signal: new AbortController().signal,
      onVerified: () => {},
      onFatal: () => {},
      onSettled: () => {},
      log: silentLogger(),
    }),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("requests go out as far as the source's window and the free buffers allow", async () => {
  const log: string[] = [];
  const few = requests({ buffers: 2, connections: Array(8).fill(silentConnection("a", log)) });
  few.requests.fill();
  assert.equal(few.requests.size, 2, "two buffers, two requests");
  const many = requests({ buffers: 100, connections: Array(8).fill(silentConnection("b", log)) });
  many.requests.fill();
  assert.equal(many.requests.size, INITIAL_WINDOW, "a new source gets its initial window");
  many.requests.fill();
  assert.equal(many.requests.size, INITIAL_WINDOW);
  await settle();
  assert.equal(log.length, 2 + INITIAL_WINDOW);
});

Deno.test("a request is cancelled on the connection it was sent on", async () => {
  const log: string[] = [];
  const first = silentConnection("old", log);
  const second = silentConnection("new", log);
  const { requests: inFlight } = requests({ buffers: 2, connections: [first, second] });
  inFlight.fill();
  await settle();
  inFlight.cancelAll("download ended");
  assert.deepEqual(log.filter((line) => line.includes("cancel")), [
    "old cancel 1: download ended",
    "new cancel 1: download ended",
  ]);
});

Deno.test("requests unanswered past the stall time are taken back and cancelled", async () => {
  const log: string[] = [];
  const { requests: inFlight, scheduler } = requests({
    buffers: 100,
    connections: Array(INITIAL_WINDOW).fill(silentConnection("slow", log)),
  });
  inFlight.fill();
  await settle();
  inFlight.checkStalls();
  const cancels = log.filter((line) => line.endsWith(": stalled"));
  assert.equal(cancels.length, INITIAL_WINDOW);
  assert.equal(scheduler.source("peer")?.inFlight.size, 0, "the chunks can be asked again");
  assert.ok(scheduler.source("peer")!.window < INITIAL_WINDOW, "the stalled source gets less");
  inFlight.checkStalls();
  assert.equal(log.filter((line) => line.endsWith(": stalled")).length, INITIAL_WINDOW, "once");
});

/** The SHA-256 of one byte, as a manifest lists it. */
function byteHash(value: number): string {
  return createHash("sha256").update(new Uint8Array([value])).digest("hex");
}

Deno.test("chunks are hashed as they arrive until the process keeps a core busy, then on the worker", async () => {
  // Ten one-byte chunks (chunk i is the byte i) of a file said to be large
  // enough for the worker to pay; the first answer and the sixth are wrong.
  const big = {
    ...manifest,
    size: WORKER_MIN_REMAINING_BYTES * 2,
    chunkHashes: Array.from({ length: CHUNKS }, (_, i) => byteHash(i)),
  };
  const WRONG = 0xee;
  const scheduler = new Scheduler(CHUNKS);
  const sources = new DownloadSources(scheduler, "me");
  sources.update([{ peerId: "peer", address: "10.0.0.1:1" }]);
  const clock = { wall: 0, cpu: 0 };
  const worker = new ChunkHasher();
  const onWorker: number[] = [];
  const verified: number[] = [];
  const bad: string[] = [];
  let answers = 0;
  const connection: ChunkConnection = {
    requestData: (message, allocate, options = {}) => {
      answers++;
      const target = allocate(1);
      target[0] = answers === 1 || answers === 6 ? WRONG : message.index as number;
      options.onFilled?.(1);
      // Each chunk takes a whole sample of a fully busy core.
      clock.wall += SAMPLE_MS;
      clock.cpu += SAMPLE_MS;
      return Promise.resolve(target);
    },
    cancel: () => {},
  };
  const requests = new ChunkRequests({
    fileId: "f".repeat(64),
    manifest: big,
    part: { write: () => Promise.resolve() } as unknown as PartFile,
    scheduler,
    sources,
    pool: { get: () => Promise.resolve(connection), drop: () => {} },
    hasher: {
      hash: (data: Uint8Array) => {
        onWorker.push(data[0]);
        return worker.hash(data);
      },
    } as ChunkHasher,
    clocks: { nowMs: () => clock.wall, cpuMs: () => clock.cpu },
    buffers: new BufferPool(1, 1),
    stallTimeoutMs: 60_000,
    signal: new AbortController().signal,
    onVerified: (index) => verified.push(index),
    onFatal: () => {},
    onSettled: () => {},
    log: { ...silentLogger(), warn: (line: string) => bad.push(line) },
  });
  try {
    // Bounded: the worker takes a moment to start.
    for (let round = 0; round < 2_000 && !scheduler.done.complete; round++) {
      requests.fill();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    worker.close();
  }
  assert.equal(scheduler.done.count, CHUNKS, "every chunk arrived, the wrong ones asked again");
  assert.ok(!onWorker.includes(verified[0]), "the first good chunk was hashed as it arrived");
  assert.deepEqual(
    onWorker.filter((byte) => byte !== WRONG).sort((a, b) => a - b),
    verified.slice(1).sort((a, b) => a - b),
    "every later one went whole to the worker",
  );
  assert.equal(bad.length, 2, "both wrong answers were caught");
  assert.ok(bad.every((line) => /failed verification/.test(line)));
  assert.equal(onWorker.filter((byte) => byte === WRONG).length, 1, "one of them on the worker");
});
