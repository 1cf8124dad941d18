/**
 * Real p2pft processes for end-to-end tests: a server and peers on
 * 127.0.0.1 with free ports, their output captured line by line.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** Path of the CLI entry point. */
export const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

/** Deno flags every test process runs with. */
export const RUN_FLAGS = ["run", "--allow-all", "--quiet"];

/**
 * `p2pft <args>` with mDNS off: tests on loopback must never send multicast,
 * so `--no-mdns` follows the `server` or `peer` subcommand.
 */
export function p2pftArgs(args: string[]): string[] {
  const [command, ...rest] = args;
  const off = command === "server" || command === "peer" ? ["--no-mdns"] : [];
  return [...RUN_FLAGS, MAIN, command, ...off, ...rest];
}

/** Default time a test waits for an expected line. */
const LINE_TIMEOUT_MS = 20_000;

/** Longest a test waits for a p2pft process to exit by itself. */
const EXIT_TIMEOUT_MS = 120_000;

/** Interval between two looks at the output when counting lines. */
const POLL_MS = 50;

/** Accumulates the lines of a stream and lets a test wait for one. */
export class LineLog {
  /** Every line so far. */
  readonly lines: string[] = [];
  #waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  /** Resolves when the stream ends. */
  readonly ended: Promise<void>;

  /** Starts reading `stream`. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.ended = this.#read(stream);
  }

  /** All output so far as one string. */
  get text(): string {
    return this.lines.join("\n");
  }

  /** Resolves to the first line matching `pattern` (past or future). */
  waitFor(pattern: RegExp, timeoutMs = LINE_TIMEOUT_MS): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got:\n${this.text}`));
      }, timeoutMs);
      this.#waiters.push({
        pattern,
        resolve: (match) => {
          clearTimeout(timer);
          resolve(match);
        },
      });
    });
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
        throw new Error(
          `fewer than ${options.count} lines matching ${pattern}; got:\n${this.text}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    let pending = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const line of parts) this.#add(line);
    }
    if (pending) this.#add(pending);
  }

  #add(line: string): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((waiter) => {
      const match = line.match(waiter.pattern);
      if (match) waiter.resolve(match);
      return !match;
    });
  }
}

/** A running p2pft process. */
export class P2pftProcess {
  /** The child process. */
  readonly child: Deno.ChildProcess;
  /** Its stdout lines. */
  readonly stdout: LineLog;
  /** Its stderr lines. */
  readonly stderr: LineLog;
  /** `host:port` it listens on, once known. */
  address = "";

  /** Spawns `p2pft <args>` in `cwd`. */
  constructor(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: p2pftArgs(args),
      cwd: options.cwd,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.stdout = new LineLog(this.child.stdout);
    this.stderr = new LineLog(this.child.stderr);
  }

  /** Port it listens on. */
  get port(): number {
    return Number(this.address.slice(this.address.lastIndexOf(":") + 1));
  }

  /** Waits for the "listening on" line and records the address. */
  async listening(): Promise<this> {
    const match = await this.stdout.waitFor(/listening on (\S+)/);
    this.address = match[1];
    return this;
  }

  /**
   * Waits for the process to exit; resolves to its status with all output
   * read. A process still running after `timeoutMs` is killed and the wait
   * fails with its output, so a hung process cannot hang the test suite.
   */
  async exit(timeoutMs = EXIT_TIMEOUT_MS): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<"hung">((resolve) => {
      timer = setTimeout(() => resolve("hung"), timeoutMs);
    });
    const outcome = await Promise.race([this.child.status, hung]).finally(() =>
      clearTimeout(timer)
    );
    if (outcome === "hung") {
      this.child.kill("SIGKILL");
      await this.child.status;
      throw new Error(
        `process still running after ${timeoutMs} ms, killed; stdout:\n${this.stdout.text}\n` +
          `stderr:\n${this.stderr.text}`,
      );
    }
    await Promise.all([this.stdout.ended, this.stderr.ended]);
    return outcome;
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch {
      // Already exited.
    }
    return await this.exit();
  }
}

/** Starts `p2pft server` on a free loopback port. */
export function startServer(extra: string[] = []): Promise<P2pftProcess> {
  return new P2pftProcess(["server", "--addr", "127.0.0.1:0", ...extra]).listening();
}

/** Starts `p2pft peer` on a free loopback port, registered with `server`. */
export function startPeer(
  server: string,
  options: { args?: string[]; cwd?: string; env?: Record<string, string> } = {},
): Promise<P2pftProcess> {
  return new P2pftProcess(
    ["peer", "--addr", "127.0.0.1:0", "--server", server, ...(options.args ?? [])],
    options,
  ).listening();
}

/** Runs a peer to completion (with `--exit-when-done`) and returns its status and output. */
export async function runPeer(
  server: string,
  options: { args: string[]; cwd?: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return await runPeerTracked(server, options).result;
}

/** Like {@linkcode runPeer}, but gives the process ID at once, to watch it while it runs. */
export function runPeerTracked(
  server: string,
  options: { args: string[]; cwd?: string },
): { pid: number; result: Promise<{ code: number; stdout: string; stderr: string }> } {
  const peer = new P2pftProcess(
    ["peer", "--addr", "127.0.0.1:0", "--server", server, "--exit-when-done", ...options.args],
    options,
  );
  const result = peer.exit().then((status) => ({
    code: status.code,
    stdout: peer.stdout.text,
    stderr: peer.stderr.text,
  }));
  return { pid: peer.child.pid, result };
}

/** Writes `size` pseudo-random bytes (seeded, reproducible) to `path`. */
export async function writeRandomFile(
  path: string,
  size: number,
  options: { seed?: number } = {},
): Promise<void> {
  const seed = options.seed ?? 1;
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(Math.min(size, 1 << 20));
  let state = seed >>> 0 || 1;
  let written = 0;
  try {
    while (written < size) {
      for (let i = 0; i < block.length; i += 4) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        block[i] = state & 0xff;
        block[i + 1] = (state >>> 8) & 0xff;
        block[i + 2] = (state >>> 16) & 0xff;
        block[i + 3] = (state >>> 24) & 0xff;
      }
      const take = Math.min(block.length, size - written);
      let offset = 0;
      while (offset < take) offset += await file.write(block.subarray(offset, take));
      written += take;
    }
  } finally {
    file.close();
  }
}

/** SHA-256 of a whole file as hex (node:crypto, independent of the code under test). */
export async function sha256File(path: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  const file = await Deno.open(path);
  const buffer = new Uint8Array(1 << 22);
  try {
    while (true) {
      const count = await file.read(buffer);
      if (count === null) break;
      hash.update(buffer.subarray(0, count));
    }
  } finally {
    file.close();
  }
  return hash.digest("hex");
}

/** Path of the misbehaving peer used by the fault tests. */
const ROGUE = fileURLToPath(new URL("./rogue_peer.ts", import.meta.url));

/** A running rogue peer (see rogue_peer.ts for the modes). */
export interface Rogue {
  /** The child process. */
  child: Deno.ChildProcess;
  /** Its stdout lines (`File ID: ...`, `served chunk N`). */
  stdout: LineLog;
  /** Kills it (SIGKILL) and waits for it. */
  stop(): Promise<void>;
}

/** Starts a rogue peer sharing `file` through `server`, misbehaving as `mode` says. */
export function startRogue(server: string, options: { file: string; mode: string }): Rogue {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...RUN_FLAGS, ROGUE, server, options.file, options.mode],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new LineLog(child.stdout);
  const stderr = new LineLog(child.stderr);
  return {
    child,
    stdout,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch {
        // It may have died on purpose already.
      }
      await child.status;
      await Promise.all([stdout.ended, stderr.ended]);
    },
  };
}

/** A loopback port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Runs `p2pft <args>` with `script` piped to its stdin; returns its exit code and output. */
export async function runScripted(
  args: string[],
  options: { script: string; cwd: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: p2pftArgs(args),
    cwd: options.cwd,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.script));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}
