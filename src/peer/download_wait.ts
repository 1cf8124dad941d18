/**
 * How a download waits while no source has what it misses: what it says
 * meanwhile, when waiting on banned peers alone becomes a failure, and a
 * sleep that news (a new source, a freed buffer, a settled request) cuts short.
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

/** A sleep that {@linkcode Waker.wake} ends early; one sleeper at a time. */
export class Waker {
  #wake: (() => void) | undefined;

  /** Resolves after `ms`, or sooner when woken. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /** Ends the current sleep now, if there is one. */
  wake(): void {
    this.#wake?.();
  }
}
