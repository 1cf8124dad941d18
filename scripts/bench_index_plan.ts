/**
 * Pure parts of the `index` scenario of `deno task bench`: the simulated
 * peers' files (known to the lookup clients without asking), how peers are
 * split over load processes, heartbeat pacing, latency percentiles, and the
 * JSON lines the load processes print.
 *
 * @module
 */

import type { Manifest } from "../src/protocol/messages.ts";

/** Files each simulated peer shares. */
export const FILES_PER_PEER = 3;
/** Bytes of each simulated file: one chunk, so manifests are small and alike. */
const FILE_BYTES = 1_000_000;
const HEX_DIGITS = 16;
const HASH_HEX_LENGTH = 64;

/**
 * The manifest of file `file` of simulated peer `peer`: one chunk whose
 * "hash" is made from both numbers, so every file has its own ID.
 */
export function simulatedManifest(peer: number, file: number): Manifest {
  const seed = (peer * FILES_PER_PEER + file).toString(HEX_DIGITS);
  return {
    name: `bench-${peer}-${file}.bin`,
    size: FILE_BYTES,
    chunkSize: FILE_BYTES,
    chunkHashes: [seed.padStart(HASH_HEX_LENGTH, "e")],
  };
}

/** A slice of the simulated peers: numbers `first` to `first + count - 1`. */
export interface PeerRange {
  first: number;
  count: number;
}

/** Splits `peers` over at most `processes` load processes, as evenly as whole peers allow. */
export function splitPeers(peers: number, processes: number): PeerRange[] {
  const used = Math.max(1, Math.min(processes, peers));
  const ranges: PeerRange[] = [];
  let first = 0;
  for (let i = 0; i < used; i++) {
    const count = Math.floor(peers / used) + (i < peers % used ? 1 : 0);
    ranges.push({ first, count });
    first += count;
  }
  return ranges.filter((range) => range.count > 0);
}

/**
 * Which peers (indexes below `count`) send their heartbeat at tick `tick`,
 * with ticks every `tickMs` and a heartbeat every `heartbeatMs` per peer:
 * those whose index is the tick's number modulo the ticks per interval, so
 * heartbeats are spread evenly and a peer keeps its turn while `count`
 * grows (peers still registering).
 */
export function heartbeatTurn(
  tick: number,
  options: { count: number; tickMs: number; heartbeatMs: number },
): number[] {
  const ticks = Math.max(1, Math.round(options.heartbeatMs / options.tickMs));
  const turn: number[] = [];
  for (let i = tick % ticks; i < options.count; i += ticks) turn.push(i);
  return turn;
}

/**
 * The batches a peer sends `total` heartbeats in, under a server's request
 * rate (`perSecond` on average, `burst` at once): a first batch of at most
 * `burst`, then one of `perSecond` a second.
 */
export function heartbeatBatches(
  total: number,
  rate: { perSecond: number; burst: number },
): number[] {
  const batches: number[] = [];
  let left = total;
  let size = Math.min(rate.burst, left);
  while (left > 0) {
    batches.push(size);
    left -= size;
    size = Math.min(rate.perSecond, left);
  }
  return batches;
}

/** The `q` quantile (0 to 1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/** What a load process reports, one JSON line each. */
export type LoadEvent =
  | { event: "registered"; peers: number; failed: number; ms: number; firstError?: string }
  | { event: "day"; heartbeats: number; peers: number; ms: number }
  | { event: "left"; peers: number }
  | {
    event: "lookups";
    /** Simulated peers the server held when the lookups ended. */
    peersHeld: number;
    requests: number;
    errors: number;
    p50: number;
    p99: number;
    max: number;
    firstError?: string;
  }
  | { event: "ready" }
  | { event: "empty"; at: number; longestWaitMs: number; typicalWaitMs: number };

/** The load event on `line`, or null for any other line. */
export function parseLoadEvent(line: string): LoadEvent | null {
  if (!line.startsWith("{")) return null;
  try {
    const value = JSON.parse(line);
    return typeof value?.event === "string" ? value as LoadEvent : null;
  } catch {
    return null;
  }
}
