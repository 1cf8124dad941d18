/**
 * Which of several servers (replicas serving one network, given as
 * `--server a,b` or as a name with several addresses) a peer connects to:
 * the one it is on while it works; when that one fails, a random one of
 * those that have not failed lately (spreading the peers of a dead replica
 * over the others), at once; when every one failed lately, the one that
 * failed longest ago, after a backoff. Time and randomness are given by the
 * caller.
 *
 * @module
 */

/** Where to connect next. */
export interface ServerPick {
  /** The server, as one of the candidates given. */
  address: string;
  /**
   * False when every candidate failed lately: the caller backs off before
   * dialling; true when this one has not failed lately (dial it at once).
   */
  fresh: boolean;
}

/** The failures of a peer's servers, and which to use next. */
export class ServerChoice {
  #retryAfterMs: number;
  /** Server -> when it last failed. */
  #failedAt = new Map<string, number>();
  #current: string | undefined;

  /** A server that failed is avoided for `retryAfterMs` while another has not failed. */
  constructor(options: { retryAfterMs: number }) {
    this.#retryAfterMs = options.retryAfterMs;
  }

  /** The server the peer is registered with, if any. */
  get current(): string | undefined {
    return this.#current;
  }

  /**
   * Picks the server to dial among `candidates` (the list as it is now: a
   * name may resolve differently from one attempt to the next). Throws when
   * there is none.
   */
  pick(
    candidates: readonly string[],
    options: { now: number; random: () => number },
  ): ServerPick {
    if (candidates.length === 0) {
      throw new Error("no server to connect to; give --server HOST:PORT");
    }
    for (const address of this.#failedAt.keys()) {
      if (!candidates.includes(address)) this.#failedAt.delete(address);
    }
    const rested = (address: string) => {
      const at = this.#failedAt.get(address);
      return at === undefined || options.now - at >= this.#retryAfterMs;
    };
    if (
      this.#current !== undefined && candidates.includes(this.#current) && rested(this.#current)
    ) {
      return { address: this.#current, fresh: true };
    }
    const usable = candidates.filter(rested);
    if (usable.length > 0) {
      const index = Math.min(usable.length - 1, Math.floor(options.random() * usable.length));
      return { address: usable[index], fresh: true };
    }
    const failedAt = (address: string) => this.#failedAt.get(address) ?? 0;
    const oldest = candidates.reduce((a, b) => failedAt(b) < failedAt(a) ? b : a);
    return { address: oldest, fresh: false };
  }

  /** `address` could not be reached, or its connection dropped, at `now`. */
  failed(address: string, now: number): void {
    this.#failedAt.set(address, now);
    if (this.#current === address) this.#current = undefined;
  }

  /** The peer registered with `address`: it is used while it works. */
  succeeded(address: string): void {
    this.#failedAt.delete(address);
    this.#current = address;
  }
}
