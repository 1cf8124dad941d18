/**
 * How a download waits while no source has what it misses: what it says
 * meanwhile, and when waiting on banned peers alone becomes a failure.
 *
 * @module
 */

/** Why a download waits, as shown to the user. */
export function waitingMessage(onlyBanned: boolean, usableSources: number): string {
  return onlyBanned
    ? "waiting for a peer that has this file: the only ones listed sent bad data and are banned"
    : usableSources === 0
    ? "waiting for a peer that has this file"
    : "waiting for a peer that has the missing chunks";
}

/**
 * Why a download of `name` fails once only banned peers have been listed
 * for the give-up time (see {@linkcode BannedWatch}).
 */
export function bannedFailure(name: string): string {
  return `every peer that has ${name} sent chunks that failed verification and is banned ` +
    `for this download; nothing was saved: have the file shared by a peer you trust, then ` +
    `download it again`;
}

/**
 * Times how long only banned peers have been listed as sources, so a
 * download can give up once asking them again is pointless and no honest
 * peer has come.
 */
export class BannedWatch {
  #giveUpMs: number;
  #since: number | undefined;

  /** Gives up after `giveUpMs` of only banned sources. */
  constructor(giveUpMs: number) {
    this.#giveUpMs = giveUpMs;
  }

  /**
   * Notes whether only banned peers are listed (and none usable) at `now`;
   * true once they have been, without a break, for the give-up time.
   */
  expired(onlyBanned: boolean, now: number): boolean {
    if (!onlyBanned) {
      this.#since = undefined;
      return false;
    }
    this.#since ??= now;
    return now - this.#since >= this.#giveUpMs;
  }
}
