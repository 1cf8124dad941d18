/**
 * Work that may wait a moment, done in slices so that a burst of it never
 * holds the event loop for long: thousands of peers leaving at once make
 * thousands of departures, and done as they come they would delay every
 * other answer until the last. Each slice runs tasks for at most its budget,
 * then yields (a new macrotask) so that waiting I/O is served in between.
 * Time and scheduling are injected, so the rule is tested alone.
 *
 * @module
 */

/** Options of {@linkcode PacedQueue}. */
export interface PacedQueueOptions {
  /** Longest a slice runs tasks before it yields, in milliseconds. */
  budgetMs: number;
  /** The clock; default `performance.now`. */
  now?: () => number;
  /** Runs `slice` later, after waiting I/O; default `setTimeout(slice, 0)`. */
  schedule?: (slice: () => void) => void;
  /** Told of a task that threw; the others still run. */
  onError?: (error: unknown) => void;
}

/** Tasks run in order, in slices of at most a budget each. */
export class PacedQueue {
  #tasks: (() => void)[] = [];
  /** Index of the next task to run: the queue is emptied from the front without shifting. */
  #next = 0;
  #scheduled = false;
  #budgetMs: number;
  #now: () => number;
  #schedule: (slice: () => void) => void;
  #onError: (error: unknown) => void;

  /** An empty queue. */
  constructor(options: PacedQueueOptions) {
    this.#budgetMs = options.budgetMs;
    this.#now = options.now ?? (() => performance.now());
    this.#schedule = options.schedule ?? ((slice) => setTimeout(slice, 0));
    this.#onError = options.onError ?? (() => {});
  }

  /** Tasks not run yet. */
  get pending(): number {
    return this.#tasks.length - this.#next;
  }

  /** Runs `task` in a later slice. */
  push(task: () => void): void {
    this.#tasks.push(task);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#schedule(() => this.#slice());
  }

  #slice(): void {
    const started = this.#now();
    do {
      const task = this.#tasks[this.#next++];
      try {
        task();
      } catch (error) {
        this.#onError(error);
      }
    } while (this.#next < this.#tasks.length && this.#now() - started < this.#budgetMs);
    if (this.#next < this.#tasks.length) {
      this.#schedule(() => this.#slice());
      return;
    }
    this.#tasks = [];
    this.#next = 0;
    this.#scheduled = false;
  }
}
