/**
 * The lines a shell runs, queued as they are typed or piped, so that a
 * line typed while a command runs waits its turn.
 *
 * @module
 */

/** Lines typed (or piped), handed out one by one in order; ends at EOF or exit. */
export class LineQueue {
  #lines: string[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  /** Adds a line after the others. */
  push(line: string): void {
    this.#lines.push(line);
    this.#wake?.();
  }

  /** No line comes after the ones queued: {@linkcode next} then resolves to `undefined`. */
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  /** Drops the lines not handed out yet. */
  clear(): void {
    this.#lines = [];
  }

  /** Lines not handed out yet. */
  get pending(): number {
    return this.#lines.length;
  }

  /** The next line, once there is one; `undefined` once ended and empty. */
  async next(): Promise<string | undefined> {
    while (this.#lines.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
    return this.#lines.shift();
  }
}
