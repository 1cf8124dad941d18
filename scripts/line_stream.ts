/**
 * The lines of a child's output stream, each kept with its arrival time,
 * and waits for an expected line that cannot hang: they fail when the
 * stream ends or a time limit passes first.
 *
 * @module
 */

/** Default time to wait for an expected output line. */
export const LINE_TIMEOUT_MS = 20_000;

/** Interval between two looks at the output when counting lines. */
const POLL_MS = 50;

/** One output line and when it arrived (`performance.now()` clock). */
export interface TimedLine {
  /** The line, without its newline. */
  text: string;
  /** Arrival time in milliseconds. */
  at: number;
}

/** A line found by {@linkcode LineStream.waitForLine}: what the parser made of it, and when. */
export interface LineMatch<T> {
  /** What the parser returned. */
  value: T;
  /** When the line arrived (`performance.now()` clock). */
  at: number;
}

/** The lines of one output stream, kept with their arrival times. */
export class LineStream {
  /** Every line so far, with its arrival time. */
  readonly timed: TimedLine[] = [];
  /** Resolves when the stream ends. */
  readonly ended: Promise<void>;
  #listeners = new Set<(line: TimedLine | null) => void>();
  #done = false;

  /** Starts reading `stream`. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.ended = this.#read(stream);
  }

  /** Every line so far. */
  get lines(): string[] {
    return this.timed.map((line) => line.text);
  }

  /** Every line so far as one text. */
  get text(): string {
    return this.lines.join("\n");
  }

  /**
   * Resolves to the first line (past or future) for which `parse` returns
   * non-null; rejects when the stream ends or `timeoutMs` passes first.
   */
  waitForLine<T>(
    parse: (line: string) => T | null,
    timeoutMs = LINE_TIMEOUT_MS,
  ): Promise<LineMatch<T>> {
    for (const line of this.timed) {
      const value = parse(line.text);
      if (value !== null) return Promise.resolve({ value, at: line.at });
    }
    if (this.#done) return Promise.reject(this.#endedWithout());
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        outcome();
      };
      const listener = (line: TimedLine | null) => {
        if (line === null) {
          settle(() => reject(this.#endedWithout()));
          return;
        }
        const value = parse(line.text);
        if (value !== null) settle(() => resolve({ value, at: line.at }));
      };
      const timer = setTimeout(() => {
        settle(() => reject(new Error(`no expected line within ${timeoutMs} ms:\n${this.text}`)));
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }

  /** Resolves to the first line (past or future) matching `pattern`; see {@linkcode waitForLine}. */
  async waitFor(pattern: RegExp, timeoutMs = LINE_TIMEOUT_MS): Promise<RegExpMatchArray> {
    return (await this.waitForLine((line) => line.match(pattern), timeoutMs)).value;
  }

  /** Resolves to the first `count` lines matching `pattern`. */
  async waitForCount(
    pattern: RegExp,
    options: { count: number; timeoutMs?: number },
  ): Promise<RegExpMatchArray[]> {
    const deadline = Date.now() + (options.timeoutMs ?? LINE_TIMEOUT_MS);
    while (true) {
      const matches = this.lines.map((line) => line.match(pattern)).filter((m) => m !== null);
      if (matches.length >= options.count) return matches.slice(0, options.count);
      if (Date.now() > deadline) {
        throw new Error(`fewer than ${options.count} lines matching ${pattern}:\n${this.text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const at = performance.now();
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const text of parts) this.#add({ text, at });
    }
    if (pending) this.#add({ text: pending, at: performance.now() });
    this.#done = true;
    for (const listener of [...this.#listeners]) listener(null);
  }

  #endedWithout(): Error {
    return new Error(`output ended without the expected line:\n${this.text}`);
  }

  #add(line: TimedLine): void {
    this.timed.push(line);
    for (const listener of [...this.#listeners]) listener(line);
  }
}
