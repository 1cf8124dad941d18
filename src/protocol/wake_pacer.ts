/**
 * Fewer wake-ups of the event loop while chunks trickle in over slow links.
 *
 * A process reading chunk payloads from several slow streams is woken by
 * every few packets of any of them, and each wake-up (the runtime's event
 * loop turn, TLS, the promise of every read) costs far more than the bytes
 * it brings: receiving 128 MiB over eight 25 MB/s TLS streams took about
 * twice the CPU time of one stream. When a payload read had to wait for the
 * network (the reader is caught up with the wire), the pacer holds the whole
 * thread for a few milliseconds, so the bytes of every stream pile up in the
 * kernel and the next turn takes them in one go. It only holds when the
 * bytes expected meanwhile fit comfortably in socket buffers, never on fast
 * links, where it would cost throughput.
 *
 * @module
 */

/** Longest hold, in milliseconds. */
export const MAX_HOLD_MS = 5;
/** Shortest hold worth making, in milliseconds. */
export const MIN_HOLD_MS = 1;
/** Bytes at most expected to arrive, over all streams, during one hold. */
export const HOLD_BUDGET_BYTES = 128 * 1024;
/** A read that waited at least this long had caught up with the wire. */
export const CAUGHT_UP_MS = 0.2;
/** Span over which the arrival rate is measured, in milliseconds. */
export const RATE_WINDOW_MS = 100;

/** Decides when to hold the thread, from the payload reads it is told of. */
export class WakePacer {
  #now: () => number;
  #hold: (ms: number) => void;
  #windowStart: number;
  #windowBytes = 0;
  /** Bytes per millisecond over the last full window; unknown until one has passed. */
  #rate: number | undefined;
  #lastHoldEnd = -Infinity;

  /**
   * `now` reads a clock in milliseconds; `hold` blocks the thread for the
   * given milliseconds (both injected so the decisions can be tested).
   */
  constructor(options: { now: () => number; hold: (ms: number) => void }) {
    this.#now = options.now;
    this.#hold = options.hold;
    this.#windowStart = options.now();
  }

  /** The pacer's clock, in milliseconds: what {@linkcode afterRead}'s `startedAt` is read from. */
  now(): number {
    return this.#now();
  }

  /** Bytes per millisecond over the last full window, if one has passed. */
  get rate(): number | undefined {
    return this.#rate;
  }

  /**
   * Tells of a payload read of `bytes` that started at `startedAt` (on the
   * pacer's clock) and has just returned; holds the thread when it waited for
   * the network and the link is slow enough. Returns the milliseconds held.
   */
  afterRead(bytes: number, startedAt: number): number {
    const now = this.#now();
    this.#count(bytes, now);
    const ms = this.#holdMs(now - startedAt, now);
    if (ms === 0) return 0;
    this.#hold(ms);
    this.#lastHoldEnd = this.#now();
    return ms;
  }

  #count(bytes: number, now: number): void {
    this.#windowBytes += bytes;
    const span = now - this.#windowStart;
    if (span < RATE_WINDOW_MS) return;
    this.#rate = this.#windowBytes / span;
    this.#windowStart = now;
    this.#windowBytes = 0;
  }

  /** How long to hold after a read that waited `waitedMs`: 0 for not at all. */
  #holdMs(waitedMs: number, now: number): number {
    if (waitedMs < CAUGHT_UP_MS || this.#rate === undefined) return 0;
    // Between holds the thread runs at least as long as it held, so the
    // bytes that piled up are taken in and answered before the next one.
    const ms = this.#rate > 0 ? Math.min(MAX_HOLD_MS, HOLD_BUDGET_BYTES / this.#rate) : MAX_HOLD_MS;
    if (ms < MIN_HOLD_MS || now - this.#lastHoldEnd < ms) return 0;
    return ms;
  }
}

const holdCell = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));

/** Blocks the thread for `ms` milliseconds without waking for I/O. */
function holdThread(ms: number): void {
  Atomics.wait(holdCell, 0, 0, ms);
}

/** The pacer of this thread's payload reads: every connection shares its event loop. */
export const threadPacer = new WakePacer({ now: () => performance.now(), hold: holdThread });
