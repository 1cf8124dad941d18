/**
 * When a link that keeps failing is worth a line in the log: the first
 * failure of a streak at once, then ever more seldom (the gap between two
 * reports doubles, up to a bound), so a peer whose server is away says so
 * within a second and keeps saying it without flooding the log; and what
 * the line says. Time is given by the caller.
 *
 * @module
 */

import { MS_PER_SECOND } from "../constants.ts";

/** What to report about a failed attempt. */
export interface RetryReport {
  /** True for the first failure of a streak. */
  first: boolean;
  /** Failed attempts in this streak, this one included. */
  failures: number;
  /** Milliseconds since the first failure of this streak. */
  failingMs: number;
}

/** The failures of a retried link, and which of them to report. */
export class RetryReports {
  #minGapMs: number;
  #maxGapMs: number;
  #since: number | undefined;
  #failures = 0;
  #gap = 0;
  #nextAt = 0;

  /** Reports at most every `minGapMs` at first, the gap doubling up to `maxGapMs`. */
  constructor(options: { minGapMs: number; maxGapMs: number }) {
    this.#minGapMs = options.minGapMs;
    this.#maxGapMs = options.maxGapMs;
  }

  /** When the current streak of failures began, if the link is failing. */
  get failingSince(): number | undefined {
    return this.#since;
  }

  /** Records a failed attempt at `now`; returns what to report, or `undefined` to stay quiet. */
  failed(now: number): RetryReport | undefined {
    const first = this.#since === undefined;
    if (first) {
      this.#since = now;
      this.#failures = 0;
      this.#gap = 0;
      this.#nextAt = now;
    }
    this.#failures++;
    if (now < this.#nextAt) return undefined;
    this.#gap = Math.min(this.#maxGapMs, Math.max(this.#minGapMs, this.#gap * 2));
    this.#nextAt = now + this.#gap;
    return { first, failures: this.#failures, failingMs: now - this.#since! };
  }

  /** The link works again: the streak is over. */
  succeeded(): void {
    this.#since = undefined;
  }
}

/**
 * The log line of `report` about the server at `server`, failing for
 * `reason`, one of `servers` the link may use (more than one: it tries
 * the others).
 */
export function failureLine(
  report: RetryReport,
  link: { server: string; reason: string; servers: number },
): { level: "warn" | "info"; text: string } {
  const { server, reason, servers } = link;
  const seconds = Math.round(report.failingMs / MS_PER_SECOND);
  if (report.first && servers > 1) {
    return {
      level: "warn",
      text: `cannot reach the server at ${server} (${reason}); trying the others of the ` +
        `${servers} servers (--server HOST:PORT,HOST:PORT sets them)`,
    };
  }
  if (report.first) {
    return {
      level: "warn",
      text: `cannot reach the server at ${server} (${reason}); is it running? ` +
        `--server HOST:PORT sets its address; retrying`,
    };
  }
  return {
    level: "info",
    text: servers > 1
      ? `still cannot reach any of the ${servers} servers after ${report.failures} attempts ` +
        `in ${seconds} s (last ${server}: ${reason}); retrying`
      : `still cannot reach the server at ${server} after ${report.failures} attempts in ` +
        `${seconds} s (${reason}); retrying`,
  };
}
