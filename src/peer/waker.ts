/**
 * A sleep that news cuts short: a download's wait ends at a new source, a
 * freed buffer or a settled request; a server link's backoff ends at close.
 *
 * @module
 */

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
