/**
 * Work that may wait a moment, done in slices so that a burst of it never
 * holds the event loop for long: thousands of peers leaving at once make
 * thousands of departures and closing sockets, and done as they come they
 * would delay every other answer until the last. Each slice runs tasks for
 * at most its budget, then yields (a new macrotask) so that waiting I/O is
 * served in between. When the loop was busy with other work since the last
 * slice (more than a budget of it: a flood of events, say thousands of
 * ends of stream the runtime hands over 1,024 at a time), the next slice
 * takes only the small busy budget: the flood drains first, and an answer
 * waiting behind it is not held up by the queue's work too. Time and
 * scheduling are injected, so the rule is tested alone.
 *
 * @module
 */

/** Options of {@linkcode PacedQueue}. */
export interface PacedQueueOptions {
  /** Longest a slice runs tasks before it yields, in milliseconds. */
  budgetMs: number;
  /**
   * Longest a slice runs when more than `budgetMs` of other work ran since
   * the slice before; default `budgetMs` (no difference).
   */
  busyBudgetMs?: number;
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
  /** When the slice before ended; undefined when the queue was empty since. */
  #lastEnd: number | undefined;
  #budgetMs: number;
  #busyBudgetMs: number;
  #now: () => number;
  #schedule: (slice: () => void) => void;
  #onError: (error: unknown) => void;

  /** An empty queue. */
  constructor(options: PacedQueueOptions) {
    this.#budgetMs = options.budgetMs;
    this.#busyBudgetMs = options.busyBudgetMs ?? options.budgetMs;
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
    const otherMs = this.#lastEnd === undefined ? 0 : started - this.#lastEnd;
    const budgetMs = otherMs > this.#budgetMs ? this.#busyBudgetMs : this.#budgetMs;
    do {
      const task = this.#tasks[this.#next++];
      try {
        task();
      } catch (error) {
        this.#onError(error);
      }
    } while (this.#next < this.#tasks.length && this.#now() - started < budgetMs);
    if (this.#next < this.#tasks.length) {
      this.#lastEnd = this.#now();
      this.#schedule(() => this.#slice());
      return;
    }
    this.#tasks = [];
    this.#next = 0;
    this.#scheduled = false;
    this.#lastEnd = undefined;
  }
}

/**
 * The process's one queue of background work (departures from the index,
 * sockets let go): one budget per turn of the event loop for all of it, so
 * that two kinds of work do not each take a budget, nor take each other's
 * slices for a busy loop.
 */
export const background = new PacedQueue({ budgetMs: 5, busyBudgetMs: 1 });
