/**
 * What `p2pft send` and `p2pft get` share on the command line: the options
 * that say where to find each other (a server, given or found on the LAN, or
 * none: the LAN alone), the output options, and the progress display.
 *
 * @module
 */

import {
  type Command,
  InvalidArgumentError,
  Option,
  type OptionValues,
} from "@commander-js/extra-typings";
import { DEFAULT_DISCOVER_TIMEOUT_MS, MS_PER_SECOND } from "../constants.ts";
import { discoverServer } from "../discovery/services.ts";
import { type Logger, type LogLevel, stderrSink } from "../log.ts";
import { formatHostPort, type HostPort } from "../protocol/channel.ts";
import { cliLogger, hostPortOption, secondsOption, withPrintOptions } from "./options.ts";
import { effectiveLogLevel, outputMode, Reporter, stdConsole } from "./output.ts";
import { BarsDisplay, type ProgressDisplay, progressDisplay } from "./progress_display.ts";

/**
 * Adds the options both commands take: `--server`, `--auto-discover`,
 * `--discover-timeout`, `-q`, `--json` and `--log-level`.
 */
export function withTransferOptions<
  Args extends unknown[],
  Opts extends OptionValues,
  GlobalOpts extends OptionValues,
>(command: Command<Args, Opts, GlobalOpts>, roles: { server: string }) {
  return withPrintOptions(
    command
      .addOption(new Option("-s, --server <host:port>", roles.server).argParser(hostPortOption))
      .option("--auto-discover", "find the server on the LAN over mDNS instead of --server")
      .option(
        "--discover-timeout <seconds>",
        "how long --auto-discover, and a look on the LAN with no server, go on",
        secondsOption,
        DEFAULT_DISCOVER_TIMEOUT_MS / MS_PER_SECOND,
      ),
    "print results only: no progress, only warnings and errors logged",
  );
}

/** Parses a count of zero or more. */
export function countOption(value: string): number {
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new InvalidArgumentError(`expected a whole number of 0 or more, got "${value}"`);
  }
  return count;
}

/** How a send or get talks to its user: events and notes, progress, and its log. */
export interface TransferOutput {
  reporter: Reporter;
  display: ProgressDisplay;
  log: Logger;
}

/** The output of a send or get run with `options`: bars on a terminal, plain lines off one. */
export function transferOutput(
  name: string,
  options: { quiet?: boolean; json?: boolean; logLevel: LogLevel },
): TransferOutput {
  const mode = outputMode(options);
  const std = stdConsole();
  const bars = mode === "text" && Deno.stderr.isTerminal();
  const display = bars
    ? new BarsDisplay(std.err)
    : progressDisplay(mode, { target: std, terminal: false });
  const above = (line: string) =>
    display instanceof BarsDisplay ? display.log(line) : std.err(line);
  const log = cliLogger(name, effectiveLogLevel(options.logLevel, mode), {
    sink: display instanceof BarsDisplay ? above : stderrSink,
  });
  const reporter = new Reporter(mode, {
    out: (line) =>
      display instanceof BarsDisplay && Deno.stdout.isTerminal()
        ? display.log(line)
        : std.out(line),
    err: above,
  });
  return { reporter, display, log };
}

/**
 * The server to meet through: the one `--server` names, one found on the LAN
 * with `--auto-discover`, or none (the LAN alone, over mDNS).
 */
export async function meetingServer(
  options: { server?: HostPort; autoDiscover?: boolean; discoverTimeout: number; log: Logger },
): Promise<HostPort | undefined> {
  if (options.server && options.autoDiscover) {
    throw new Error("give either --server or --auto-discover, not both");
  }
  if (!options.autoDiscover) return options.server;
  const mdnsLog = options.log.child("mdns");
  const found = await discoverServer(options.discoverTimeout * MS_PER_SECOND, {
    log: (level, message) => mdnsLog[level](message),
  });
  options.log.info(
    `discovered server "${found.instanceName}" at ` +
      formatHostPort(found.address.host, found.address.port),
  );
  return found.address;
}
