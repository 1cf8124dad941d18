/**
 * Child processes for the tests and scripts: spawns any command with piped
 * output (see line_stream.ts), samples its memory and CPU time from `/proc`
 * on request, and stops it on dispose, on {@linkcode stopAll}, or when a
 * wait for its exit times out, so that a hung child cannot hang its caller.
 *
 * @module
 */

import { parseProcStatCpuMs, parseProcStatus } from "./bench_parse.ts";
import { LineStream } from "./line_stream.ts";

/** Interval between two memory and CPU samples of a watched child, in milliseconds. */
export const USAGE_POLL_MS = 100;

/** Default time a child may take to exit by itself before it is killed. */
const EXIT_TIMEOUT_MS = 120_000;

/** Time a child is given to exit after a signal before it is killed. */
const STOP_GRACE_MS = 10_000;

/** Memory and CPU time of a child, as sampled while it ran. */
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

/** Samples `/proc/<pid>/status` and `stat` every {@linkcode USAGE_POLL_MS} until stopped. */
class UsageWatch {
  readonly usage: Usage = { maxRss: 0, hwm: 0, cpuMs: 0 };
  #timer: ReturnType<typeof setInterval>;
  #dir: string;

  constructor(pid: number) {
    this.#dir = `/proc/${pid}`;
    this.sample();
    this.#timer = setInterval(() => this.sample(), USAGE_POLL_MS);
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
  /** Whether it exited with code 0 by itself. */
  success: boolean;
  /** When the exit was seen (`performance.now()` clock). */
  at: number;
}

/** How a child is started: `cmd[0]` is the program. Lets a test start it in a network namespace. */
export type Launcher = (
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin: "piped" | "null" },
) => Deno.ChildProcess;

/** Starts `cmd` on this machine, its stdout and stderr piped. */
function launchHere(cmd: string[], options: Parameters<Launcher>[1]): Deno.ChildProcess {
  const [program, ...args] = cmd;
  return new Deno.Command(program, { ...options, args, stdout: "piped", stderr: "piped" }).spawn();
}

/** Options of {@linkcode Child}. */
export interface ChildOptions {
  /** A name for messages; default the command. */
  name?: string;
  /** Working directory. */
  cwd?: string;
  /** Extra environment variables (`NO_COLOR=1` is always set). */
  env?: Record<string, string>;
  /** `piped` to write to its stdin with {@linkcode Child.input}; default no stdin at all. */
  stdin?: "piped" | "null";
  /** Sample its memory and CPU time from `/proc` while it runs (Linux). */
  watchUsage?: boolean;
  /** How to start it; default right here. */
  launch?: Launcher;
}

/** Children still running, so that {@linkcode stopAll} can reach them. */
const running = new Set<Child>();

/** A running child process: its timed output lines, its exit, and a stop that cannot hang. */
export class Child implements AsyncDisposable {
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
  #usage: UsageWatch | undefined;

  /** Spawns `cmd` (`cmd[0]` is the program). */
  constructor(cmd: string[], options: ChildOptions = {}) {
    this.name = options.name ?? cmd.join(" ");
    this.started = performance.now();
    this.#process = (options.launch ?? launchHere)(cmd, {
      cwd: options.cwd,
      env: { NO_COLOR: "1", ...options.env },
      stdin: options.stdin ?? "null",
    });
    this.pid = this.#process.pid;
    if (options.watchUsage) this.#usage = new UsageWatch(this.pid);
    this.stdout = new LineStream(this.#process.stdout);
    this.stderr = new LineStream(this.#process.stderr);
    running.add(this);
    this.exited = this.#process.status.then(async (status) => {
      const at = performance.now();
      this.#usage?.stop();
      running.delete(this);
      await Promise.all([this.stdout.ended, this.stderr.ended]);
      return { code: status.code, signal: status.signal, success: status.success, at };
    });
  }

  /** Memory and CPU time sampled so far (zeros unless started with `watchUsage`). */
  get usage(): Usage {
    return { ...(this.#usage?.usage ?? { maxRss: 0, hwm: 0, cpuMs: 0 }) };
  }

  /** Takes a usage sample now; useful just before stopping it. */
  sample(): void {
    this.#usage?.sample();
  }

  /**
   * Waits for it to exit by itself. One still running after `timeoutMs` is
   * killed and the wait fails with its output, so that a hung child cannot
   * hang its caller.
   */
  async exit(timeoutMs = EXIT_TIMEOUT_MS): Promise<Exit> {
    const exit = await this.#exitWithin(timeoutMs);
    if (exit) return exit;
    await this.stop("SIGKILL");
    throw new Error(`still running after ${timeoutMs} ms, killed: ${this.describe()}`);
  }

  /** Sends `signal` (if still running) and waits for the exit; SIGKILL after a grace period. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Exit> {
    if (!running.has(this)) return await this.exited;
    this.sample();
    this.#kill(signal);
    const exit = await this.#exitWithin(STOP_GRACE_MS);
    if (exit) return exit;
    this.#kill("SIGKILL");
    return await this.exited;
  }

  /** Writes `text` to its stdin (spawned with `stdin: "piped"`), then closes it. */
  async input(text = ""): Promise<void> {
    try {
      const writer = this.#process.stdin.getWriter();
      if (text) await writer.write(new TextEncoder().encode(text));
      await writer.close();
    } catch {
      // Closed already, or it exited without reading all of it: its output says why.
    }
  }

  /** Stops it (see {@linkcode stop}): `await using` leaves no process behind, even on failure. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Its name and output, for error messages. */
  describe(): string {
    return `${this.name} (pid ${this.pid})\n--- stdout\n${this.stdout.text}\n` +
      `--- stderr\n${this.stderr.text}`;
  }

  async #exitWithin(timeoutMs: number): Promise<Exit | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs));
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #kill(signal: Deno.Signal): void {
    try {
      this.#process.kill(signal);
    } catch {
      // Exited meanwhile.
    }
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
