/**
 * `p2pft peer`: shares files, serves chunks and downloads files, either
 * from its command line or from its interactive shell (`-i`).
 *
 * @module
 */

import { guardDebugger } from "./debugger_guard.ts";
import { MS_PER_SECOND } from "../constants.ts";
import { discoverServer } from "../discovery/services.ts";
import { formatHostPort, type HostPort } from "../protocol/channel.ts";
import { type Logger, type LogLevel, stderrSink } from "../log.ts";
import { PeerNode } from "../peer/peer.ts";
import { adoptLegacyPeerDataDir, defaultPeerDataDir } from "../storage/data_dir.ts";
import { cliLogger, givenNetworkKey, onShutdownSignal, SIGNAL_EXIT_CODES } from "./options.ts";
import {
  type Console,
  effectiveLogLevel,
  type OutputMode,
  outputMode,
  Reporter,
  stdConsole,
} from "./output.ts";
import { peerCommandOptions } from "./peer_command_options.ts";
import { closePeer, reportStopped, startupWork } from "./peer_startup.ts";
import { BarsDisplay, progressDisplay } from "./progress_display.ts";
import { printRemembered } from "./shared_list.ts";
import { Shell } from "./shell.ts";
import { relaySettings } from "./relay_options.ts";
import { checkStartupPaths } from "./startup_paths.ts";
import { escapeWord } from "./words.ts";
import type { WebServer } from "../web/web_server.ts";

/** The `peer` command. */
export function peerCommand() {
  return peerCommandOptions()
    .action(async (options, command) => {
      const mode = outputMode(options);
      if (options.shared) return await listShared(options, mode);
      if (options.interactive && options.exitWhenDone) {
        throw new Error(
          "--exit-when-done does not apply to the shell: type wait, then exit, in it instead",
        );
      }
      await checkStartupPaths(options);
      // The shell's commands (and the web page they can print) load only for -i.
      const shellCommands = options.interactive ? await import("./peer_shell.ts") : undefined;
      const shell = shellCommands && new Shell({ prompt: shellCommands.PEER_PROMPT });
      const bars = !shell && mode === "text" && Deno.stderr.isTerminal();
      const std = stdConsole();
      const display = bars
        ? new BarsDisplay(std.err)
        : progressDisplay(mode, { target: std, terminal: false });
      const sink = shell?.logSink() ??
        (display instanceof BarsDisplay ? (line: string) => display.log(line) : stderrSink);
      const log = cliLogger("peer", effectiveLogLevel(options.logLevel, mode), { sink });
      guardDebugger(log);
      const networkKey = await givenNetworkKey(options);
      const server = await chooseServer({
        ...options,
        explicit: command.getOptionValueSource("server") === "cli",
        log,
      });
      const peer = await PeerNode.start({
        hostname: options.addr.host,
        port: options.addr.port,
        server,
        mdns: options.mdns,
        lan: options.lan,
        discoverTimeoutMs: options.discoverTimeout * MS_PER_SECOND,
        dataDir: options.dataDir ?? await defaultDataDir(options.addr, log),
        resume: options.resume,
        reshare: options.reshare,
        outDir: options.out,
        relay: options.relay !== false,
        offerRelay: options.relay === true ? relaySettings(options) : undefined,
        networkKey,
        log,
      });
      const console: Console = shell ??
        {
          out: (line) =>
            display instanceof BarsDisplay && Deno.stdout.isTerminal()
              ? display.log(line)
              : std.out(line),
          err: (line) => display instanceof BarsDisplay ? display.log(line) : std.err(line),
        };
      const reporter = new Reporter(mode, console);
      reporter.emit({ event: "listening", role: "peer", address: peer.address });
      let web: WebServer | undefined;
      try {
        if (options.web !== undefined) {
          const { startWeb } = await import("./web_cli.ts");
          web = await startWeb(peer, { ...options, web: options.web, reporter, log });
        }
      } catch (error) {
        await peer.close();
        throw error;
      }
      if (shellCommands && shell) {
        shell.enqueue(
          ...options.unshare.map((item) => `unshare ${escapeWord(item)}`),
          ...options.register.map((path) => `register ${escapeWord(path)}`),
          ...options.download.map((query) => `download ${escapeWord(query)}`),
        );
        await shellCommands.runPeerShell({ peer, shell, mode, outDir: options.out, web });
        await web?.close();
        await closePeer(peer, log);
        Deno.exit(shell.exitCode);
      }
      let signal: Deno.Signal = "SIGTERM";
      const stopped = new Promise<"stopped">((resolve) => {
        onShutdownSignal((received) => {
          signal = received;
          display.stop();
          log.info("shutting down");
          resolve("stopped");
        });
      });
      const work = startupWork(peer, { ...options, log, display, reporter });
      const outcome = await Promise.race([work, stopped]);
      if (outcome !== "stopped" && options.exitWhenDone) {
        display.stop();
        await web?.close();
        await closePeer(peer, log);
        Deno.exit(outcome ? 0 : 1);
      }
      await stopped;
      const interrupted = reportStopped(peer, log);
      await web?.close();
      await closePeer(peer, log);
      const cut = outcome === "stopped" && (options.exitWhenDone || interrupted > 0);
      Deno.exit(cut ? SIGNAL_EXIT_CODES[signal] ?? 1 : 0);
    });
}

/** `peer --shared`: prints what the data folder remembers sharing; refuses options that act. */
async function listShared(
  options: {
    interactive?: boolean;
    register: string[];
    download: string[];
    unshare: string[];
    dataDir?: string;
    addr: HostPort;
    logLevel: LogLevel;
  },
  mode: OutputMode,
): Promise<void> {
  const acting = [
    options.interactive && "-i",
    options.register.length > 0 && "-r",
    options.download.length > 0 && "-d",
    options.unshare.length > 0 && "--unshare",
  ].filter(Boolean);
  if (acting.length > 0) {
    throw new Error(`--shared only lists: run it without ${acting.join(", ")}`);
  }
  const log = cliLogger("peer", effectiveLogLevel(options.logLevel, mode));
  const dir = options.dataDir ?? await defaultDataDir(options.addr, log);
  if (dir === undefined) {
    throw new Error("a peer on port 0 keeps no state: give the --data-dir or --addr it runs with");
  }
  await printRemembered(dir, new Reporter(mode, stdConsole()));
}

/**
 * The default data folder of a peer listening on `listen`, with the state
 * of the former default address `127.0.0.1` moved into it (once, said in
 * one line) when that is where it lies.
 */
async function defaultDataDir(listen: HostPort, log: Logger): Promise<string | undefined> {
  const moved = await adoptLegacyPeerDataDir(listen);
  const dir = defaultPeerDataDir(listen);
  if (moved !== undefined) {
    log.info(
      `moved this peer's state (identity, shares, unfinished downloads) from ${moved} to ${dir}: ` +
        `the default --addr went from 127.0.0.1 to 0.0.0.0, and the data folder follows it`,
    );
  }
  return dir;
}

/**
 * The server a peer uses: the one given with --server, one found on the LAN
 * with --auto-discover (found again whenever it is lost), or none in LAN
 * mode without either.
 */
export async function chooseServer(
  options: {
    server: HostPort[];
    explicit: boolean;
    autoDiscover?: boolean;
    lan?: boolean;
    discoverTimeout: number;
    log: Logger;
  },
): Promise<HostPort[] | (() => Promise<HostPort>) | undefined> {
  if (options.autoDiscover && options.explicit) {
    throw new Error("give either --server or --auto-discover, not both");
  }
  if (!options.autoDiscover) return options.lan && !options.explicit ? undefined : options.server;
  const timeoutMs = options.discoverTimeout * MS_PER_SECOND;
  const mdnsLog = options.log.child("mdns");
  const find = async () => {
    const found = await discoverServer(timeoutMs, {
      log: (level, message) => mdnsLog[level](message),
    });
    const others = found.found > 1
      ? ` (${found.found} servers answered; picked the lowest instance name)`
      : "";
    options.log.info(
      `discovered server "${found.instanceName}" at ` +
        `${formatHostPort(found.address.host, found.address.port)}${others}`,
    );
    return found.address;
  };
  let first: HostPort | undefined = await find();
  return () => {
    const known = first;
    first = undefined;
    return known ? Promise.resolve(known) : find();
  };
}
