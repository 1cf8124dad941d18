/**
 * When a send's code still lets people in, as pure bookkeeping with the time
 * passed in: it stops working after `maxFailures` wrong (or abandoned) code
 * exchanges, once `maxReceivers` receivers have everything, when it
 * expires, or when the send stops. Exchanges under way count against the
 * failures until they end, so that many at once cannot try more guesses
 * than that. A receiver holds its place while it downloads, and frees it
 * if it leaves (or dies) before the end: the code then lets another in.
 *
 * @module
 */

/**
 * Why the gate is shut, or `open`. `busy` (exchanges under way take the
 * last places or guesses) and `taken` (every place held by a receiver still
 * downloading) let no one in now but may open again; the others are for good.
 */
export type GateState = "open" | "busy" | "taken" | "full" | "expired" | "burned" | "stopped";

/** Whether `state` lets no one in ever again. */
export function shutForGood(state: GateState): boolean {
  return state !== "open" && state !== "busy" && state !== "taken";
}

/** The limits of a {@linkcode CodeGate}. */
export interface CodeGateLimits {
  /** Wrong codes after which the code stops working. */
  maxFailures: number;
  /** Receivers the code grants; 0 for no limit. */
  maxReceivers: number;
  /** When the code stops working (milliseconds, the clock passed in); none: never. */
  expiresAt?: number;
}

/** How many receivers came, finished and are still at it. */
export interface GateCounts {
  failures: number;
  /** Code exchanges under way. */
  pending: number;
  /** Receivers that proved the code and neither finished nor left. */
  active: number;
  finished: number;
}

/** The bookkeeping of one send's code. */
export class CodeGate {
  #limits: CodeGateLimits;
  #counts: GateCounts = { failures: 0, pending: 0, active: 0, finished: 0 };
  #stopped = false;

  /** A gate with `limits`. */
  constructor(limits: CodeGateLimits) {
    this.#limits = limits;
  }

  /** The counts now. */
  get counts(): GateCounts {
    return { ...this.#counts };
  }

  /** Wrong codes still allowed before the code stops working. */
  get failuresLeft(): number {
    return Math.max(0, this.#limits.maxFailures - this.#counts.failures);
  }

  /** Whether the code lets a new exchange start at `now`, and why not. */
  state(now: number): GateState {
    const { failures, pending, active, finished } = this.#counts;
    const { maxFailures, maxReceivers, expiresAt } = this.#limits;
    if (this.#stopped) return "stopped";
    if (failures >= maxFailures) return "burned";
    if (expiresAt !== undefined && now >= expiresAt) return "expired";
    if (maxReceivers > 0 && finished >= maxReceivers) return "full";
    if (maxReceivers > 0 && active + finished >= maxReceivers) return "taken";
    if (maxReceivers > 0 && active + finished + pending >= maxReceivers) return "busy";
    if (failures + pending >= maxFailures) return "busy";
    return "open";
  }

  /** Starts a code exchange at `now` if the gate is open; returns the state it found. */
  begin(now: number): GateState {
    const state = this.state(now);
    if (state === "open") this.#counts.pending++;
    return state;
  }

  /** An exchange ended: `proven` makes its receiver active, otherwise it counts as a wrong code. */
  end(proven: boolean): void {
    this.#counts.pending--;
    if (proven) this.#counts.active++;
    else this.#counts.failures++;
  }

  /** An active receiver finished (verified everything), or left before that (its place is free again). */
  leave(finished: boolean): void {
    this.#counts.active--;
    if (finished) this.#counts.finished++;
  }

  /** Makes the code expire at `time` (the clock passed in). */
  expireAt(time: number): void {
    this.#limits = { ...this.#limits, expiresAt: time };
  }

  /** Shuts the gate for good (the send stops). */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * Whether the send has nothing left to do at `now`: the gate is shut for
   * good and no exchange or receiver is under way.
   */
  settled(now: number): boolean {
    return shutForGood(this.state(now)) && this.#counts.pending === 0 &&
      this.#counts.active === 0;
  }
}

/** The message a code holder gets when the gate is not open. */
export function gateRefusal(state: GateState): string {
  switch (state) {
    case "busy":
      return "the sender is busy with other receivers: try again in a few seconds";
    case "taken":
      return "as many receivers as the sender allows are fetching with this code now: try " +
        "again later (a receiver that stops frees its place), or ask the sender to send again";
    case "full":
      return "this code was already used by as many receivers as the sender allowed: " +
        "ask the sender to send again";
    case "expired":
      return "this code has expired: ask the sender to send again for a new code";
    case "burned":
      return "this code stopped working after too many wrong tries: ask the sender to send " +
        "again for a new code";
    default:
      return "the sender has stopped: ask the sender to send again for a new code";
  }
}
