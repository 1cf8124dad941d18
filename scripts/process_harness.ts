/**
 * Real p2pft processes for the tests, the demo and `deno task bench`: spawns
 * the CLI (or any command) with piped output, keeps every output line with
 * its arrival time, waits for a line with a bounded timeout, samples memory
 * and CPU time from `/proc` on request, and stops its processes on dispose,
 * on {@linkcode stopAll}, or when a wait for their exit times out.
 *
 * It lives in `scripts/` so that imports run one way: the tests and the
 * scripts import it, and it imports nothing from `tests/`.
 *
 * @example A server and a peer on loopback, both stopped at the end of the block
 * ```ts
 * await using server = await startServer();
 * await using peer = await startPeer(server.address, { args: ["-r", "file.bin"] });
 * const id = (await peer.stdout.waitFor(/^File ID: (\S+)/))[1];
 * ```
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { KEY_VARIABLE } from "../src/cli/options.ts";
import type { CliEvent } from "../src/cli/output.ts";
import { formatNetworkKey } from "../src/security/network_key.ts";
import { TEST_NETWORK_KEY } from "../src/test_credentials.ts";
import {
  parseListening,
  parseProcStatCpuMs,
  parseProcStatus,
  parseUploaded,
  type Uploaded,
} from "./bench_parse.ts";

/** Path of the CLI entry point. */
export const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** Deno flags every p2pft child runs with. */
export const RUN_FLAGS = ["run", "--allow-all", "--quiet"];

/** Interval between two memory and CPU samples of a watched child, in milliseconds. */
export const USAGE_POLL_MS = 100;

/** Default time to wait for an expected output line. */
const LINE_TIMEOUT_MS = 20_000;

/** Default time a child may take to exit by itself before it is killed. */
const EXIT_TIMEOUT_MS = 120_000;

/** Time a child is given to exit after a signal before it is killed. */
const STOP_GRACE_MS = 10_000;

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
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        outcome();
      };
      const listener = (line: TimedLine | null) => {
        if (line === null) {
          settle(() => reject(new Error(`output ended without the expected line:\n${this.text}`)));
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
    for (const listener of [...this.#listeners]) listener(null);
  }

  #add(line: TimedLine): void {
    this.timed.push(line);
    for (const listener of [...this.#listeners]) listener(line);
  }
}

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

/**
 * The network key every p2pft process started here gets in `P2PFT_KEY`
 * unless told otherwise: one per test process, the same one
 * `testCredentials()` gives in-process connections, so both can talk.
 */
export const NETWORK_KEY = formatNetworkKey(TEST_NETWORK_KEY);

/** A TCP port on 127.0.0.1 that was free a moment ago (bind it right after). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Options of {@linkcode P2pftProcess}. */
export interface P2pftOptions extends ChildOptions {
  /** Deno flags added before the entry point (e.g. `--cpu-prof`). */
  denoFlags?: string[];
  /** Keep mDNS on; default off, as every process off a test network namespace must be. */
  mdns?: boolean;
  /**
   * The network key put in `P2PFT_KEY`: default {@linkcode NETWORK_KEY};
   * `false` for none (an open network, a key given with `--key`, or a test of
   * a missing key). A `P2PFT_KEY` in `env` wins over both.
   */
  key?: string | false;
}

let dataHome: string | undefined;

/**
 * The `XDG_DATA_HOME` of every p2pft process started here: one temporary
 * folder per test process, made at first use and deleted when the process
 * ends, so that the default data folders of servers and peers (identities,
 * network keys, known servers) never land in the user's own, and no run sees
 * what an earlier one left there.
 */
export function harnessDataHome(): string {
  if (dataHome === undefined) {
    const path = Deno.makeTempDirSync({ prefix: "p2pft-data-home-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(path, { recursive: true }));
    dataHome = path;
  }
  return dataHome;
}

/**
 * The environment of a p2pft process: `options.env` with `P2PFT_KEY` set as
 * `options.key` says (see {@linkcode P2pftOptions.key}) and `XDG_DATA_HOME`
 * set to {@linkcode harnessDataHome}; values in `options.env` win. No key is
 * an empty value, which p2pft reads as unset, so a key in the test's own
 * environment cannot leak in.
 */
export function p2pftEnv(
  options: { env?: Record<string, string>; key?: string | false } = {},
): Record<string, string> {
  const key = options.key === false ? "" : options.key ?? NETWORK_KEY;
  return { [KEY_VARIABLE]: key, XDG_DATA_HOME: harnessDataHome(), ...options.env };
}

/**
 * `deno` arguments of `p2pft <args>`. Unless `mdns` is set, `--no-mdns`
 * follows a `server` or `peer` subcommand: on loopback nothing may send
 * multicast to the machine's real interfaces.
 */
export function p2pftArgs(args: string[], options: P2pftOptions = {}): string[] {
  const [command, ...rest] = args;
  const off = !options.mdns && (command === "server" || command === "peer") ? ["--no-mdns"] : [];
  return [...RUN_FLAGS, ...(options.denoFlags ?? []), MAIN, command, ...off, ...rest];
}

/** A running `p2pft` process. */
export class P2pftProcess extends Child {
  /** `host:port` it listens on, once {@linkcode listening} has seen it. */
  address = "";

  /** Spawns `p2pft <args>`. */
  constructor(args: string[], options: P2pftOptions = {}) {
    super([Deno.execPath(), ...p2pftArgs(args, options)], {
      name: `p2pft ${args.join(" ")}`,
      ...options,
      env: p2pftEnv(options),
    });
  }

  /** Port it listens on. */
  get port(): number {
    return Number(this.address.slice(this.address.lastIndexOf(":") + 1));
  }

  /** Waits for its `listening on HOST:PORT` line (text or `--json`) and records the address. */
  async listening(timeoutMs = LINE_TIMEOUT_MS): Promise<this> {
    const line = await this.stdout.waitForLine((text) => {
      const event = parseEvent(text);
      return event?.event === "listening" ? event.address : parseListening(text);
    }, timeoutMs).catch((error) => {
      throw new Error(
        `no "listening on" line (${error.message.split("\n")[0]}): ${this.describe()}`,
      );
    });
    this.address = line.value;
    return this;
  }

  /** Its `--json` events so far. */
  events(): CliEvent[] {
    return this.stdout.lines.map(parseEvent).filter((event) => event !== null);
  }

  /** Resolves to its first `--json` event named `name` (past or future). */
  async waitForEvent<N extends CliEvent["event"]>(
    name: N,
    timeoutMs = LINE_TIMEOUT_MS,
  ): Promise<Extract<CliEvent, { event: N }>> {
    const line = await this.stdout.waitForLine((text) => {
      const event = parseEvent(text);
      return event?.event === name ? event as Extract<CliEvent, { event: N }> : null;
    }, timeoutMs);
    return line.value;
  }

  /**
   * What it uploaded and the CPU time it used, from the line it logs when it
   * stops (at info level); call once it has exited.
   */
  async uploaded(): Promise<Uploaded> {
    return (await this.stderr.waitForLine(parseUploaded, 0)).value;
  }
}

/** The event of a `--json` output line, or null for any other line. */
export function parseEvent(line: string): CliEvent | null {
  if (!line.startsWith("{")) return null;
  try {
    const value = JSON.parse(line);
    return typeof value?.event === "string" ? value as CliEvent : null;
  } catch {
    return null;
  }
}

/** The events named `name` among `events`, typed. */
export function eventsNamed<N extends CliEvent["event"]>(
  events: CliEvent[],
  name: N,
): Extract<CliEvent, { event: N }>[] {
  return events.filter((event): event is Extract<CliEvent, { event: N }> => event.event === name);
}

/** Starts `p2pft server` on a free loopback port (or `addr`) and waits until it listens. */
export function startServer(
  options: P2pftOptions & { addr?: string; args?: string[] } = {},
): Promise<P2pftProcess> {
  const addr = options.addr ?? "127.0.0.1:0";
  return new P2pftProcess(["server", "--addr", addr, ...(options.args ?? [])], options)
    .listening();
}

/** `p2pft peer` arguments for a peer on a free loopback port registered with `server`. */
export function peerArgs(server: string, args: string[] = []): string[] {
  return ["peer", "--addr", "127.0.0.1:0", "--server", server, ...args];
}

/** Starts `p2pft peer` on a free loopback port, registered with `server`; waits until it listens. */
export function startPeer(
  server: string,
  options: P2pftOptions & { args?: string[] } = {},
): Promise<P2pftProcess> {
  return new P2pftProcess(peerArgs(server, options.args), options).listening();
}

/** What a p2pft run that went to its end printed. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** All of stdout. */
  stdout: string;
  /** All of stderr. */
  stderr: string;
  /** Its events when it ran with `--json`. */
  events: CliEvent[];
}

/** Options of {@linkcode runP2pft}. */
export interface RunOptions extends P2pftOptions {
  /** Everything it reads on stdin (a shell script, say); default no stdin at all. */
  input?: string;
  /** Longest it may run before it is killed and the run fails; default 120 s. */
  timeoutMs?: number;
}

/** Runs `p2pft <args>` to its end (killed if it hangs; see {@linkcode Child.exit}). */
export async function runP2pft(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const scripted = options.input !== undefined;
  const child = new P2pftProcess(args, { ...options, stdin: scripted ? "piped" : "null" });
  if (scripted) await child.input(options.input);
  const { code } = await child.exit(options.timeoutMs);
  return { code, stdout: child.stdout.text, stderr: child.stderr.text, events: child.events() };
}

/** Runs a peer registered with `server` with `--exit-when-done` to its end. */
export function runPeer(
  server: string,
  options: RunOptions & { args: string[] },
): Promise<RunResult> {
  return runP2pft(peerArgs(server, ["--exit-when-done", ...options.args]), options);
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
