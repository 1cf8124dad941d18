/**
 * Option parsers and shared option plumbing for the CLI commands.
 *
 * @module
 */

import { parseNetworkKey, readKeyFile } from "../security/network_key.ts";
import {
  type Command,
  InvalidArgumentError,
  Option,
  type OptionValues,
} from "@commander-js/extra-typings";
import { createLogger, type Logger, type LogLevel, type LogSink } from "../log.ts";
import { type HostPort, parseHostPort } from "../protocol/channel.ts";

/** Parses a `HOST:PORT` option value for commander, with a clear error. */
export function hostPortOption(value: string): HostPort {
  try {
    return parseHostPort(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** A `HOST:PORT` option whose default shows as `HOST:PORT` in `--help`. */
export function addressOption<const Flags extends string>(
  flags: Flags,
  options: { description: string; fallback: string },
) {
  return new Option(flags, options.description)
    .argParser(hostPortOption)
    .default(hostPortOption(options.fallback), options.fallback);
}

/** Parses `HOST:PORT[,HOST:PORT...]` (several servers of one network) for commander. */
export function hostPortListOption(value: string): HostPort[] {
  const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (items.length === 0) throw new InvalidArgumentError(`expected HOST:PORT, got "${value}"`);
  return items.map(hostPortOption);
}

/** A `HOST:PORT[,HOST:PORT...]` option whose default shows as given in `--help`. */
export function addressListOption<const Flags extends string>(
  flags: Flags,
  options: { description: string; fallback: string },
) {
  return new Option(flags, options.description)
    .argParser(hostPortListOption)
    .default(hostPortListOption(options.fallback), options.fallback);
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses a positive number of seconds. */
export function secondsOption(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  }
  return seconds;
}

/** Parses a positive number (a rate, a count). */
export function positiveOption(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  }
  return number;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** Parses a size in bytes, with an optional K, M, G or T suffix (powers of 1024): `4G`, `500M`. */
export function sizeOption(value: string): number {
  const match = value.trim().match(/^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i);
  const bytes = match ? Math.floor(Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()]) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidArgumentError(`expected a size such as 4G, 500M or 1048576, got "${value}"`);
  }
  return bytes;
}

const LOG_LEVELS: LogLevel[] = ["debug", "info", "warn", "error", "silent"];

/** Parses `--log-level`. */
export function logLevelOption(value: string): LogLevel {
  if (!LOG_LEVELS.includes(value as LogLevel)) {
    throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(", ")}`);
  }
  return value as LogLevel;
}

/**
 * Adds the options of how a long-running command talks to its user: `-i`
 * (the shell), then those of {@linkcode withPrintOptions}.
 */
export function withOutputOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  GlobalOpts extends OptionValues,
>(command: Command<Args, Opts, GlobalOpts>, quietHelp: string) {
  return withPrintOptions(
    command.option("-i, --interactive", "run the interactive shell (type help in it)"),
    quietHelp,
  );
}

/**
 * Adds the options of what a command prints: `-q` (explained by
 * `quietHelp`), `--json` and `--log-level`.
 */
export function withPrintOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  GlobalOpts extends OptionValues,
>(command: Command<Args, Opts, GlobalOpts>, quietHelp: string) {
  return command
    .option("-q, --quiet", quietHelp)
    .option("--json", "print machine-readable events on stdout, one JSON object per line")
    .option(
      "--log-level <level>",
      "debug, info, warn, error or silent",
      logLevelOption,
      "info" as const,
    );
}

/**
 * Adds the options that give a network key: `--key KEY` and
 * `--key-file PATH` (the environment variable `P2PFT_KEY` is the third way;
 * see {@linkcode givenNetworkKey}).
 */
export function withKeyOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  GlobalOpts extends OptionValues,
>(command: Command<Args, Opts, GlobalOpts>) {
  return command
    .option("--key <key>", `the network key (p2pft-...); also ${KEY_VARIABLE} or --key-file`)
    .option("--key-file <path>", "read the network key from this file");
}

/** Environment variable that may hold the network key. */
export const KEY_VARIABLE = "P2PFT_KEY";

/**
 * The network key given on the command line or in the environment, or
 * `undefined`. Giving it two ways at once is an error, so that a forgotten
 * variable cannot silently override a flag or the other way round.
 */
export async function givenNetworkKey(
  options: { key?: string; keyFile?: string },
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Promise<Uint8Array | undefined> {
  const fromEnv = env(KEY_VARIABLE) || undefined;
  const given = [options.key, options.keyFile, fromEnv].filter((value) => value !== undefined);
  if (given.length > 1) {
    throw new Error(
      `the network key is given more than once (--key, --key-file, ${KEY_VARIABLE}): keep one`,
    );
  }
  if (options.key !== undefined) return parseNetworkKey(options.key);
  if (options.keyFile !== undefined) return await readKeyFile(options.keyFile);
  return fromEnv === undefined ? undefined : parseNetworkKey(fromEnv);
}

/** A logger for a CLI process at `level`, writing through `options.sink` (default stderr). */
export function cliLogger(
  name: string,
  level: LogLevel,
  options: { sink?: LogSink } = {},
): Logger {
  return createLogger(name, { level, sink: options.sink });
}

/** The exit code of a process ended by `signal`, as shells report it: 128 + its number. */
export const SIGNAL_EXIT_CODES: Partial<Record<Deno.Signal, number>> = {
  SIGINT: 130,
  SIGTERM: 143,
};

/**
 * Runs `onStop` once, with the signal, on SIGINT or SIGTERM (SIGINT only on
 * Windows). Returns a function that stops listening.
 */
export function onShutdownSignal(onStop: (signal: Deno.Signal) => void): () => void {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let fired = false;
  const handlers = signals.map((signal) => {
    const handler = () => {
      if (fired) return;
      fired = true;
      onStop(signal);
    };
    Deno.addSignalListener(signal, handler);
    return { signal, handler };
  });
  return () => {
    for (const { signal, handler } of handlers) Deno.removeSignalListener(signal, handler);
  };
}
