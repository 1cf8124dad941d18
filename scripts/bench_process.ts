/**
 * A small process launcher for `deno task bench`: spawns Deno scripts with
 * piped output, timestamps every output line, samples memory
 * (`/proc/<pid>/status`) and CPU time (`/proc/<pid>/stat`), and keeps a
 * registry so that every child can be stopped on error or Ctrl-C.
 *
 * @module
 */

import { parseProcStatCpuMs, parseProcStatus } from "./bench_parse.ts";

/** Interval between two memory and CPU samples of a running child, in milliseconds. */
export const MEMORY_POLL_MS = 100;

/** Time a child is given to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;

/** Default time to wait for an expected output line. */
const LINE_TIMEOUT_MS = 120_000;

/** One output line and when it arrived (`performance.now()`). */
export interface TimedLine {
  /** The line, without its newline. */
  text: string;
  /** Arrival time in milliseconds (`performance.now()` clock). */
  at: number;
}

/** A match of an awaited line. */
export interface LineMatch<T> {
  /** What the parser returned. */
  value: T;
  /** When the line arrived. */
  at: number;
}

/** Lines of one output stream, kept with their arrival times. */
export class LineStream {
  /** Every line so far. */
  readonly lines: TimedLine[] = [];
  /** Resolves when the stream ends. */
  readonly ended: Promise<void>;
  #listeners = new Set<(line: TimedLine) => void>();

  /** Starts reading `stream`. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.ended = this.#read(stream);
  }

  /** All lines as one text. */
  get text(): string {
    return this.lines.map((line) => line.text).join("\n");
  }

  /**
   * Resolves to the first line (past or future) for which `parse` returns
   * non-null; rejects if the stream ends or `timeoutMs` passes first.
   */
  waitFor<T>(
    parse: (line: string) => T | null,
    timeoutMs = LINE_TIMEOUT_MS,
  ): Promise<LineMatch<T>> {
    for (const line of this.lines) {
      const value = parse(line.text);
      if (value !== null) return Promise.resolve({ value, at: line.at });
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener = (line: TimedLine) => {
        const value = parse(line.text);
        if (value === null) return;
        done();
        resolve({ value, at: line.at });
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no expected line within ${timeoutMs} ms; got:\n${this.text}`));
      }, timeoutMs);
      this.#listeners.add(listener);
      this.ended.then(() => {
        if (!this.#listeners.has(listener)) return;
        done();
        reject(new Error(`output ended without the expected line; got:\n${this.text}`));
      });
    });
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
  }

  #add(line: TimedLine): void {
    this.lines.push(line);
    for (const listener of [...this.#listeners]) listener(line);
  }
}

/** Memory and CPU of a child as sampled while it ran. */
export interface Usage {
  /** Largest VmRSS seen in the samples, in bytes. */
  maxRss: number;
  /** The last VmHWM read (the kernel's own peak up to that read), in bytes. */
  hwm: number;
  /** CPU time (user + system, all threads) at the last sample, in milliseconds. */
  cpuMs: number;
}

/** Reads a file, or null if it is gone. */
function readOrNull(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** Samples `/proc/<pid>/status` and `stat` every {@linkcode MEMORY_POLL_MS} until stopped. */
class UsageWatch {
  readonly usage: Usage = { maxRss: 0, hwm: 0, cpuMs: 0 };
  #timer: ReturnType<typeof setInterval>;
  #dir: string;

  constructor(pid: number) {
    this.#dir = `/proc/${pid}`;
    this.sample();
    this.#timer = setInterval(() => this.sample(), MEMORY_POLL_MS);
  }

  /**
   * Reads the files now (synchronously, so that it is as late as possible);
   * does nothing once the process has exited and been reaped.
   */
  sample(): void {
    const status = readOrNull(`${this.#dir}/status`);
    const memory = status ? parseProcStatus(status) : null;
    if (memory) {
      this.usage.maxRss = Math.max(this.usage.maxRss, memory.rss);
      this.usage.hwm = Math.max(this.usage.hwm, memory.hwm);
    }
    const stat = readOrNull(`${this.#dir}/stat`);
    const cpuMs = stat ? parseProcStatCpuMs(stat) : null;
    if (cpuMs !== null) this.usage.cpuMs = Math.max(this.usage.cpuMs, cpuMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** What a child exited with, and when. */
export interface Exit {
  /** Exit code. */
  code: number;
  /** Signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** When the exit was seen (`performance.now()` clock). */
  at: number;
}

/** Children still running, so that {@linkcode stopAll} can reach them. */
const running = new Set<Child>();

/** A spawned child process with timed output and sampled memory and CPU time. */
export class Child {
  /** A name for messages. */
  readonly name: string;
  /** Its process ID. */
  readonly pid: number;
  /** When it was spawned (`performance.now()` clock). */
  readonly started: number;
  /** Its stdout. */
  readonly stdout: LineStream;
  /** Its stderr. */
  readonly stderr: LineStream;
  /** Resolves when it has exited and all its output has been read. */
  readonly exited: Promise<Exit>;
  #process: Deno.ChildProcess;
  #usage: UsageWatch;

  /** Spawns `deno <args>`. */
  constructor(name: string, args: string[], env: Record<string, string> = {}) {
    this.name = name;
    this.started = performance.now();
    this.#process = new Deno.Command(Deno.execPath(), {
      args,
      env: { NO_COLOR: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.pid = this.#process.pid;
    this.#usage = new UsageWatch(this.pid);
    this.stdout = new LineStream(this.#process.stdout);
    this.stderr = new LineStream(this.#process.stderr);
    running.add(this);
    this.exited = this.#process.status.then(async (status) => {
      const at = performance.now();
      this.#usage.stop();
      running.delete(this);
      await Promise.all([this.stdout.ended, this.stderr.ended]);
      return { code: status.code, signal: status.signal, at };
    });
  }

  /** Memory and CPU sampled so far (or over its life once it has exited). */
  get usage(): Usage {
    return { ...this.#usage.usage };
  }

  /** Takes a sample now; useful just before stopping it. */
  sample(): void {
    this.#usage.sample();
  }

  /** Sends `signal` (if still running) and waits for the exit; SIGKILL after a grace period. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Exit> {
    if (!running.has(this)) return await this.exited;
    this.#usage.sample();
    try {
      this.#process.kill(signal);
    } catch {
      // Exited meanwhile.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, STOP_GRACE_MS));
    const exit = await Promise.race([this.exited, grace.then(() => null)]);
    clearTimeout(timer);
    if (exit) return exit;
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // Exited meanwhile.
    }
    return await this.exited;
  }

  /** Its output, for error messages. */
  describe(): string {
    return `${this.name} (pid ${this.pid})\n--- stdout\n${this.stdout.text}\n--- stderr\n${this.stderr.text}`;
  }
}

/** Stops every child still running (SIGTERM, then SIGKILL after a grace period). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Runs a command to completion and returns its stdout as text; throws on failure. */
export async function output(command: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(command, { args, stdin: "null" }).output();
  if (!result.success) {
    const stderr = new TextDecoder().decode(result.stderr);
    throw new Error(`${command} ${args.join(" ")} failed (${result.code}): ${stderr}`);
  }
  return new TextDecoder().decode(result.stdout);
}
