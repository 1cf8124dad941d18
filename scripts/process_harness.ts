/**
 * Real p2pft processes for the tests, the demo and `deno task bench`: the
 * CLI started as a {@linkcode Child} (see child_process.ts) with the run's
 * network key, a data home of its own and mDNS off, its `listening` address
 * and `--json` events, and runs of it to its end.
 *
 * It lives in `scripts/` so that imports run one way: the tests and the
 * scripts import it, and it imports nothing from `tests/`. It also exports
 * the child processes and output lines it builds on, so that one import
 * serves a test.
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
import { parseListening, parseUploaded, type Uploaded } from "./bench_parse.ts";
import { Child, type ChildOptions } from "./child_process.ts";
import { LINE_TIMEOUT_MS } from "./line_stream.ts";

export {
  Child,
  type ChildOptions,
  type Exit,
  type Launcher,
  output,
  stopAll,
  type Usage,
  USAGE_POLL_MS,
} from "./child_process.ts";
export { type LineMatch, LineStream, type TimedLine } from "./line_stream.ts";

/** Path of the CLI entry point. */
export const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** Deno flags every p2pft child runs with. */
export const RUN_FLAGS = ["run", "--allow-all", "--quiet"];

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
