/**
 * The `have` notices a peer sends the server as its downloads verify
 * chunks, coalesced per file: the first chunk after a quiet spell goes at
 * once, and chunks verified less than {@linkcode HAVE_GAP_MS} after the last
 * notice wait for the end of that gap and go together in one notice. Where
 * chunks come slower than one per gap (a swarm on 200 Mbit/s links verifies
 * a 1 MiB chunk about every 40 ms) nothing waits; where they come fast (a
 * source on the same machine, hundreds a second in 1 MiB chunks) the server
 * gets a notice per gap instead of one per chunk, and the peer stays far
 * below the server's request rate.
 *
 * @module
 */

import { HAVE_GAP_MS } from "./constants.ts";

/** Sends one `have` notice of `chunks` of `fileId`. */
export type SendHave = (fileId: string, chunks: number[]) => void;

/** A timer of {@linkcode HaveClock}. */
export type HaveTimer = ReturnType<typeof setTimeout>;

/** The clock and timer the notices run on (the real ones by default). */
export interface HaveClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): HaveTimer;
  clearTimeout(timer: HaveTimer): void;
}

const REAL_CLOCK: HaveClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

interface FileNotices {
  /** When the last notice of the file went. */
  sentAt: number;
  /** Chunks waiting for the end of the gap, and the timer that sends them. */
  waiting: number[];
  timer: HaveTimer | undefined;
}

/** Coalesces the `have` notices of a peer's downloads (see the module documentation). */
export class HaveNotices {
  #send: SendHave;
  #clock: HaveClock;
  #gapMs: number;
  #files = new Map<string, FileNotices>();

  /** Notices sent with `send`, at most one per file per `gapMs` (default {@linkcode HAVE_GAP_MS}). */
  constructor(send: SendHave, options: { clock?: HaveClock; gapMs?: number } = {}) {
    this.#send = send;
    this.#clock = options.clock ?? REAL_CLOCK;
    this.#gapMs = options.gapMs ?? HAVE_GAP_MS;
  }

  /** Announces chunk `index` of `fileId`: now, or with the others at the end of the gap. */
  add(fileId: string, index: number): void {
    const now = this.#clock.now();
    const file = this.#files.get(fileId);
    if (file === undefined || now - file.sentAt >= this.#gapMs && file.timer === undefined) {
      this.#files.set(fileId, { sentAt: now, waiting: [], timer: undefined });
      this.#send(fileId, [index]);
      return;
    }
    file.waiting.push(index);
    file.timer ??= this.#clock.setTimeout(
      () => this.#sendWaiting(fileId),
      Math.max(0, file.sentAt + this.#gapMs - now),
    );
  }

  /**
   * Sends what waits for `fileId` now and forgets the file (its download
   * ended or gives up its chunks: whatever comes next goes at once).
   */
  end(fileId: string): void {
    this.#sendWaiting(fileId);
    this.#files.delete(fileId);
  }

  /** Sends everything that waits, for every file, and forgets them all. */
  endAll(): void {
    for (const fileId of [...this.#files.keys()]) this.end(fileId);
  }

  #sendWaiting(fileId: string): void {
    const file = this.#files.get(fileId);
    if (file === undefined) return;
    if (file.timer !== undefined) this.#clock.clearTimeout(file.timer);
    file.timer = undefined;
    if (file.waiting.length === 0) return;
    const waiting = file.waiting;
    file.waiting = [];
    file.sentAt = this.#clock.now();
    this.#send(fileId, waiting);
  }
}
