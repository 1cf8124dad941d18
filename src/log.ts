/**
 * Levelled logging to a pluggable sink. Logs are for people and go to stderr
 * by default; the interactive shell swaps the sink so that log lines never
 * garble the line being typed.
 *
 * @module
 */

import { printable } from "./printable.ts";

/** Severity of a log line, from the most verbose to the most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const LEVEL_RANK: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

/** Writes one finished log line (no trailing newline). */
export type LogSink = (line: string, level: LogLevel) => void;

/** A named logger: server, peer and their parts each get one. */
export interface Logger {
  /** Detail useful when tracking a problem down. */
  debug(message: string): void;
  /** Normal operation worth telling the user about. */
  info(message: string): void;
  /** Something went wrong but the process goes on. */
  warn(message: string): void;
  /** Something failed. */
  error(message: string): void;
  /** A logger for a part of this one, its name appended to this name. */
  child(name: string): Logger;
}

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Lowest level written; default `info`. */
  level?: LogLevel;
  /** Where lines go; default stderr. */
  sink?: LogSink;
  /** Clock used for timestamps; default `Date.now`. */
  now?: () => number;
}

const encoder = new TextEncoder();

/** The default sink: one line to stderr. */
export function stderrSink(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

/**
 * Formats one log line: time, level, logger name, message. The name and the
 * message go through {@linkcode printable}: text from the network inside
 * them can neither start a line of its own nor drive the terminal.
 */
export function formatLogLine(
  name: string,
  level: LogLevel,
  options: { message: string; time: number },
): string {
  const time = new Date(options.time).toISOString().slice(11, 23);
  return `${time} ${level.toUpperCase().padEnd(5)} [${printable(name)}] ${
    printable(options.message)
  }`;
}

/** Creates a logger named `name`. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const threshold = LEVEL_RANK[options.level ?? "info"];
  const sink = options.sink ?? stderrSink;
  const now = options.now ?? Date.now;
  function write(level: LogLevel, message: string) {
    if (LEVEL_RANK[level] < threshold) return;
    sink(formatLogLine(name, level, { message, time: now() }), level);
  }
  return {
    debug: (message) => write("debug", message),
    info: (message) => write("info", message),
    warn: (message) => write("warn", message),
    error: (message) => write("error", message),
    child: (childName) => createLogger(`${name}/${childName}`, options),
  };
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return createLogger("silent", { level: "silent" });
}

/** A one-line description of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
