/**
 * What a download's scheduler knows about one source, and how its request
 * window follows what it delivers: the window grows by half a request for
 * every chunk it delivers and halves on a stall (AIMD), and is capped by
 * the source's measured speed to what it delivers in
 * {@linkcode WINDOW_TARGET_MS}: a slow peer holds one or two requests (and
 * buffers), a fast one keeps its pipe full.
 *
 * @module
 */

import { INITIAL_WINDOW, MAX_WINDOW } from "./constants.ts";
import type { Bitfield } from "../storage/bitfield.ts";

/** How much a peer's window grows for each chunk it delivers intact. */
const WINDOW_GROWTH = 0.5;

/** Work to keep queued at a peer: as many requests as it delivers in this time. */
export const WINDOW_TARGET_MS = 500;

/** Weight of the newest delivery interval in a peer's running average. */
const INTERVAL_SMOOTHING = 0.25;

/** What the scheduler knows about one source. */
export interface SourceState {
  /** Chunks the source holds. */
  chunks: Bitfield;
  /** Requests currently in flight to it. */
  inFlight: Set<number>;
  /** In-flight window, fractional while it grows. */
  window: number;
  /** Chunks it delivered that failed verification. */
  badChunks: number;
  /** True once banned for this download. */
  banned: boolean;
  /** Chunks it delivered intact. */
  delivered: number;
  /** When it last delivered a chunk, in ms. */
  lastDeliveryAt: number | undefined;
  /** Running average of the time between its deliveries, in ms. */
  deliveryIntervalMs: number | undefined;
  /** Chunk -> when (ms) this source declined it; see `Scheduler.markDeclined` for how long that holds. */
  declined: Map<number, number>;
  /** True while its latest request stalled and it has delivered nothing since. */
  stalled: boolean;
}

/**
 * The state of a new source holding `chunks`, with the initial window and
 * the `badChunks` it already sent in this download (they outlive a source).
 */
export function newSourceState(chunks: Bitfield, badChunks: number): SourceState {
  return {
    chunks,
    inFlight: new Set(),
    window: INITIAL_WINDOW,
    badChunks,
    banned: false,
    delivered: 0,
    lastDeliveryAt: undefined,
    deliveryIntervalMs: undefined,
    declined: new Map(),
    stalled: false,
  };
}

/**
 * Records that the source delivered an intact chunk at `now` (ms): its
 * delivery interval's running average takes the time since the previous
 * one, its window grows (up to `MAX_WINDOW`), and it is no longer stalled.
 */
export function recordDelivery(state: SourceState, now: number): void {
  if (state.lastDeliveryAt !== undefined) {
    const interval = now - state.lastDeliveryAt;
    state.deliveryIntervalMs = state.deliveryIntervalMs === undefined
      ? interval
      : state.deliveryIntervalMs + INTERVAL_SMOOTHING * (interval - state.deliveryIntervalMs);
  }
  state.lastDeliveryAt = now;
  state.delivered++;
  state.stalled = false;
  state.window = Math.min(MAX_WINDOW, state.window + WINDOW_GROWTH);
}

/** Records that a request to the source stalled: its window halves (to one at least). */
export function recordStall(state: SourceState): void {
  state.window = Math.max(1, state.window / 2);
  state.stalled = true;
}

/** A source's window in whole requests: its AIMD window, capped by its measured speed. */
export function effectiveWindow(state: Readonly<SourceState>): number {
  const window = Math.floor(state.window);
  if (state.deliveryIntervalMs === undefined) return window;
  const bySpeed = Math.ceil(WINDOW_TARGET_MS / Math.max(1, state.deliveryIntervalMs));
  return Math.max(1, Math.min(window, bySpeed));
}
