/**
 * Live progress displays: cli-progress bars on a terminal, periodic plain
 * lines off a terminal, JSON progress events, or the status lines the
 * interactive shell draws above its prompt.
 *
 * @module
 */

import cliProgress from "cli-progress";
import process from "node:process";
import { jsonLine, type OutputMode } from "./output.ts";
import {
  barLine,
  barOptions,
  plainProgressLine,
  progressEvent,
  progressFields,
  type TaskFigures,
} from "./progress.ts";

/** How often a running transfer is sampled for its display. */
export const PROGRESS_TICK_MS = 250;

/** Shortest time between two plain progress lines of one task, off a terminal. */
export const PLAIN_PROGRESS_INTERVAL_MS = 3_000;

/** Shortest time between two JSON progress events of one task. */
export const JSON_PROGRESS_INTERVAL_MS = 1_000;

/** Something that shows running transfers. */
export interface ProgressDisplay {
  /** Shows task `key` at `figures` (creating its display on first sight). */
  update(key: string, figures: TaskFigures): void;
  /** Ends task `key`'s display. */
  remove(key: string): void;
  /** Ends every display. */
  stop(): void;
}

/** Shows nothing (`--quiet`). */
export class NullDisplay implements ProgressDisplay {
  /** Ignored. */
  update(): void {}
  /** Ignored. */
  remove(): void {}
  /** Ignored. */
  stop(): void {}
}

/** cli-progress bars on stderr, one per task; lines printed meanwhile go above them. */
export class BarsDisplay implements ProgressDisplay {
  #multi: cliProgress.MultiBar | undefined;
  #bars = new Map<string, cliProgress.SingleBar>();
  #write: (line: string) => void;

  /** Creates the display; `write` prints a line while no bar is drawn. */
  constructor(write: (line: string) => void) {
    this.#write = write;
  }

  /** Draws or moves task `key`'s bar. */
  update(key: string, figures: TaskFigures): void {
    this.#multi ??= new cliProgress.MultiBar({ ...barOptions(), stream: process.stderr });
    const payload = progressFields(figures);
    const bar = this.#bars.get(key);
    if (bar) {
      bar.setTotal(figures.bytesTotal);
      bar.update(figures.bytesDone, payload);
      return;
    }
    this.#bars.set(key, this.#multi.create(figures.bytesTotal, figures.bytesDone, payload));
  }

  /** Leaves task `key`'s bar at its last state; stops drawing once no bar runs. */
  remove(key: string): void {
    const bar = this.#bars.get(key);
    if (!bar) return;
    bar.stop();
    this.#bars.delete(key);
    if (this.#bars.size === 0) this.stop();
  }

  /** Stops drawing. */
  stop(): void {
    this.#multi?.stop();
    this.#multi = undefined;
    this.#bars.clear();
  }

  /** Prints `line` above the bars (or straight away when none is drawn). */
  log(line: string): void {
    if (this.#multi) this.#multi.log(line + "\n");
    else this.#write(line);
  }
}

/** Writes a formatted line per task, at most one per task every `intervalMs`. */
class ThrottledDisplay implements ProgressDisplay {
  #write: (line: string) => void;
  #format: (figures: TaskFigures) => string;
  #intervalMs: number;
  #now: () => number;
  #last = new Map<string, number>();

  constructor(
    write: (line: string) => void,
    options: { format: (figures: TaskFigures) => string; intervalMs: number; now?: () => number },
  ) {
    this.#write = write;
    this.#format = options.format;
    this.#intervalMs = options.intervalMs;
    this.#now = options.now ?? Date.now;
  }

  update(key: string, figures: TaskFigures): void {
    const now = this.#now();
    const last = this.#last.get(key);
    if (last === undefined) {
      this.#last.set(key, now);
      return;
    }
    if (now - last < this.#intervalMs) return;
    this.#last.set(key, now);
    this.#write(this.#format(figures));
  }

  remove(key: string): void {
    this.#last.delete(key);
  }

  stop(): void {
    this.#last.clear();
  }
}

/** Options of the periodic displays. */
export interface PeriodicOptions {
  /** Shortest time between two lines of one task. */
  intervalMs?: number;
  /** Clock; default `Date.now`. */
  now?: () => number;
}

/** Plain progress lines off a terminal: the first after one interval, then one per interval. */
export function plainDisplay(
  write: (line: string) => void,
  options: PeriodicOptions = {},
): ProgressDisplay {
  return new ThrottledDisplay(write, {
    format: plainProgressLine,
    intervalMs: options.intervalMs ?? PLAIN_PROGRESS_INTERVAL_MS,
    now: options.now,
  });
}

/** `progress` JSON events: the first after one interval, then one per interval. */
export function jsonDisplay(
  write: (line: string) => void,
  options: PeriodicOptions = {},
): ProgressDisplay {
  return new ThrottledDisplay(write, {
    format: (figures) => jsonLine(progressEvent(figures)),
    intervalMs: options.intervalMs ?? JSON_PROGRESS_INTERVAL_MS,
    now: options.now,
  });
}

/** Keeps the latest figures of every task for the shell to draw above its prompt. */
export class StatusLines implements ProgressDisplay {
  #tasks = new Map<string, TaskFigures>();

  /** Records `figures` for `key`. */
  update(key: string, figures: TaskFigures): void {
    this.#tasks.set(key, figures);
  }

  /** Drops `key`. */
  remove(key: string): void {
    this.#tasks.delete(key);
  }

  /** Drops every task. */
  stop(): void {
    this.#tasks.clear();
  }

  /** One bar line per task, oldest first. */
  lines(): string[] {
    return [...this.#tasks.values()].map(barLine);
  }
}

/** Where a non-shell display writes. */
export interface DisplayTarget {
  /** Writes a result line (stdout). */
  out(line: string): void;
  /** Writes a note (stderr). */
  err(line: string): void;
}

/** Picks the display for `mode`: bars when stderr is a `terminal`, plain lines otherwise. */
export function progressDisplay(
  mode: OutputMode,
  options: { target: DisplayTarget; terminal: boolean },
): ProgressDisplay {
  if (mode === "quiet") return new NullDisplay();
  if (mode === "json") return jsonDisplay((line) => options.target.out(line));
  if (options.terminal) return new BarsDisplay((line) => options.target.err(line));
  return plainDisplay((line) => options.target.err(line));
}
