/**
 * What the CLI tells its user: result lines on stdout (kept stable for
 * scripts), machine-readable JSON events with `--json`, and human notes on
 * stderr. Every write goes through a {@linkcode Console} so that the
 * interactive shell can print above the line being typed.
 *
 * @module
 */

import type { LogLevel } from "../log.ts";
import { printable } from "../printable.ts";

/** How much the CLI prints: everything, results only, or JSON events. */
export type OutputMode = "text" | "quiet" | "json";

/** Where output lines go. */
export interface Console {
  /** Writes a result line (stdout). */
  out(line: string): void;
  /** Writes a note for people (stderr). */
  err(line: string): void;
}

/** One machine-readable event, printed as a JSON object per line with `--json`. */
export type CliEvent =
  | { event: "listening"; role: "peer" | "server"; address: string }
  | { event: "network"; serverId: string; key: string | undefined; join: string[] }
  | { event: "registered"; fileId: string; name: string; size: number; path: string }
  | {
    event: "progress";
    task: "download" | "hash";
    name: string;
    bytesDone: number;
    bytesTotal: number;
    rate: number;
    etaSeconds: number | null;
    sources?: number;
    /** Of the sources, the ones that dialled this peer back (reversal); absent when none. */
    reversed?: number;
    /** Of the sources, the ones reached through the server's relay; absent when none. */
    relayed?: number;
    /** Of a folder: files whole so far, and in all. */
    filesDone?: number;
    filesTotal?: number;
    download?: number;
    fileId?: string;
  }
  | {
    event: "downloaded";
    download: number;
    fileId: string;
    name: string;
    path: string;
    size: number;
    elapsedMs: number;
    alreadyPresent: boolean;
  }
  | { event: "file"; download: number; fileId: string; path: string; size: number }
  | { event: "cancelled"; download: number; fileId: string; name: string }
  | { event: "shared"; fileId: string; name: string; size: number; from: string; path: string }
  | { event: "code"; code: string; command: string }
  | { event: "receiver"; state: "joined" | "finished" | "left" | "refused"; address: string }
  | { event: "web"; urls: string[] }
  | { event: "error"; message: string };

const encoder = new TextEncoder();

/** The process's own stdout and stderr. */
export function stdConsole(): Console {
  return {
    out: (line) => Deno.stdout.writeSync(encoder.encode(line + "\n")),
    err: (line) => Deno.stderr.writeSync(encoder.encode(line + "\n")),
  };
}

/** Picks the output mode from `--quiet` and `--json`; both at once is an error. */
export function outputMode(options: { quiet?: boolean; json?: boolean }): OutputMode {
  if (options.quiet && options.json) {
    throw new Error("--quiet and --json cannot be combined: pick one");
  }
  if (options.json) return "json";
  return options.quiet ? "quiet" : "text";
}

const QUIET_LEVEL: LogLevel = "warn";
const VERBOSITY: LogLevel[] = ["debug", "info", "warn", "error", "silent"];

/** The log level to use: `requested`, but no more verbose than warnings in quiet mode. */
export function effectiveLogLevel(requested: LogLevel, mode: OutputMode): LogLevel {
  if (mode !== "quiet") return requested;
  return VERBOSITY.indexOf(requested) < VERBOSITY.indexOf(QUIET_LEVEL) ? QUIET_LEVEL : requested;
}

/** The plain stdout line of `event` in text and quiet modes, if it has one. */
export function resultLine(event: CliEvent): string | undefined {
  switch (event.event) {
    case "listening":
      return `p2pft ${event.role} listening on ${event.address}`;
    case "registered":
      // The 64 hex digits first, as scripts read them; the name beside them for people.
      return `File ID: ${event.fileId}  ${printable(event.name)}`;
    case "network":
      return [
        `Server ID: ${event.serverId}`,
        event.key ? `Network key: ${event.key}` : "Network: open (no key)",
        ...event.join.map((command) => `Peers join with: ${command}`),
      ].join("\n");
    case "downloaded":
      return `${event.alreadyPresent ? "Already present" : "Downloaded"}: ${event.path}`;
    case "code":
      return `Code: ${event.code}\nOn the other side run: ${event.command}`;
    case "web":
      return event.urls.map((url) => `Web page: ${url}`).join("\n");
    default:
      return undefined;
  }
}

/**
 * `event` as one line of JSON, with the characters JSON leaves raw (C1
 * controls, bidi controls) escaped too: {@linkcode printable}.
 */
export function jsonLine(event: CliEvent): string {
  return printable(JSON.stringify(event));
}

/**
 * Prints events and notes according to the output mode: the one way result
 * lines and notes reach stdout and stderr, each line made {@linkcode printable}.
 */
export class Reporter {
  /** The output mode. */
  readonly mode: OutputMode;
  /** Where lines go. */
  readonly console: Console;

  /** Creates a reporter writing to `console` in `mode`. */
  constructor(mode: OutputMode, console: Console) {
    this.mode = mode;
    this.console = console;
  }

  /** Reports `event`: JSON in json mode, else its result line if it has one. */
  emit(event: CliEvent): void {
    if (this.mode === "json") {
      this.console.out(jsonLine(event));
      return;
    }
    const text = resultLine(event);
    if (text === undefined) return;
    for (const line of text.split("\n")) this.console.out(printable(line));
  }

  /** A note for people on stderr (summaries); text mode only. */
  note(line: string): void {
    if (this.mode === "text") this.console.err(printable(line));
  }

  /** Reports a failure: an error event in json mode (the caller logs it too). */
  error(message: string): void {
    if (this.mode === "json") this.emit({ event: "error", message });
  }
}
