/**
 * How many reachability probes (dial-backs, see reachability.ts) the server
 * runs: at most so many at once in all and to one IP, the rest waiting
 * their turn in order of arrival, for a while. A registration whose probe
 * cannot start in time, or finds the line full, goes unchecked (its
 * `register` reply says nothing of reachability, as an older server's
 * does) rather than waiting on: a flood of registrations can make the
 * server dial neither without bound nor hold every registration up. The
 * rules are pure, time passed in ({@linkcode ProbeQueue}); {@linkcode ProbeGate}
 * runs probes under them.
 *
 * @module
 */

import {
  MAX_REACHABILITY_PROBES,
  MAX_REACHABILITY_PROBES_PER_HOST,
  MAX_REACHABILITY_PROBES_WAITING,
  REACHABILITY_PROBE_WAIT_MS,
} from "./constants.ts";

/** The limits of a {@linkcode ProbeQueue}. */
export interface ProbeLimits {
  /** Probes at once, in all. */
  running: number;
  /** Probes at once to one IP. */
  runningPerHost: number;
  /** Probes waiting to start, at most. */
  waiting: number;
  /** Time a probe may wait to start. */
  waitMs: number;
}

/** The server's limits by default. */
export const DEFAULT_PROBE_LIMITS: ProbeLimits = {
  running: MAX_REACHABILITY_PROBES,
  runningPerHost: MAX_REACHABILITY_PROBES_PER_HOST,
  waiting: MAX_REACHABILITY_PROBES_WAITING,
  waitMs: REACHABILITY_PROBE_WAIT_MS,
};

/** The probes waiting and running, as tickets, under {@linkcode ProbeLimits}. */
export class ProbeQueue {
  #limits: ProbeLimits;
  #next = 1;
  #waiting: { ticket: number; host: string; since: number }[] = [];
  /** Running ticket -> its IP. */
  #running = new Map<number, string>();
  #perHost = new Map<string, number>();

  /** An empty queue. */
  constructor(limits: ProbeLimits = DEFAULT_PROBE_LIMITS) {
    this.#limits = limits;
  }

  /** Probes running now. */
  get running(): number {
    return this.#running.size;
  }

  /** Probes waiting now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Queues a probe of `host` at `now`: its ticket, or undefined when the line is full. */
  enter(host: string, now: number): number | undefined {
    if (this.#waiting.length >= this.#limits.waiting) return undefined;
    const ticket = this.#next++;
    this.#waiting.push({ ticket, host, since: now });
    return ticket;
  }

  /**
   * The waiting tickets that start now, oldest first, as far as the caps
   * allow (one to an IP at its cap waits, those after it may start); they
   * run until {@linkcode done}.
   */
  start(): number[] {
    const started: number[] = [];
    this.#waiting = this.#waiting.filter((entry) => {
      const onHost = this.#perHost.get(entry.host) ?? 0;
      if (this.#running.size >= this.#limits.running) return true;
      if (onHost >= this.#limits.runningPerHost) return true;
      this.#running.set(entry.ticket, entry.host);
      this.#perHost.set(entry.host, onHost + 1);
      started.push(entry.ticket);
      return false;
    });
    return started;
  }

  /** The waiting tickets that have waited `waitMs` by `now`: dropped, never to start. */
  expire(now: number): number[] {
    const late = this.#waiting.filter((entry) => now - entry.since >= this.#limits.waitMs);
    this.#waiting = this.#waiting.filter((entry) => now - entry.since < this.#limits.waitMs);
    return late.map((entry) => entry.ticket);
  }

  /** Ends running `ticket`, freeing its slot. */
  done(ticket: number): void {
    const host = this.#running.get(ticket);
    if (host === undefined) return;
    this.#running.delete(ticket);
    const left = (this.#perHost.get(host) ?? 1) - 1;
    if (left > 0) this.#perHost.set(host, left);
    else this.#perHost.delete(host);
  }
}

/** Looks at the line per wait allowed, while a probe waits its turn. */
const LOOKS_PER_WAIT = 4;

/** Runs reachability probes under a {@linkcode ProbeQueue}'s rules, on the clock. */
export class ProbeGate {
  #queue: ProbeQueue;
  #waitMs: number;
  #wakers = new Map<number, (started: boolean) => void>();

  /** A gate under `limits`. */
  constructor(limits: ProbeLimits = DEFAULT_PROBE_LIMITS) {
    this.#queue = new ProbeQueue(limits);
    this.#waitMs = limits.waitMs;
  }

  /** Runs `probe` of `host` once its turn comes; undefined (not probed) when it does not in time. */
  async run<T>(host: string, probe: () => Promise<T>): Promise<T | undefined> {
    const ticket = this.#queue.enter(host, Date.now());
    if (ticket === undefined) return undefined;
    const turn = new Promise<boolean>((resolve) => this.#wakers.set(ticket, resolve));
    this.#pump();
    // Looks again now and then: a ticket past its wait is dropped at the next look.
    const timer = setInterval(() => this.#pump(), this.#waitMs / LOOKS_PER_WAIT);
    const started = await turn;
    clearInterval(timer);
    if (!started) return undefined;
    try {
      return await probe();
    } finally {
      this.#queue.done(ticket);
      this.#pump();
    }
  }

  #pump(): void {
    for (const ticket of this.#queue.expire(Date.now())) this.#wake(ticket, false);
    for (const ticket of this.#queue.start()) this.#wake(ticket, true);
  }

  #wake(ticket: number, started: boolean): void {
    this.#wakers.get(ticket)?.(started);
    this.#wakers.delete(ticket);
  }
}
