/**
 * `p2pft peer`: shares files, serves chunks and downloads files, either
 * from its command line or from its interactive shell (`-i`).
 *
 * @module
 */

import { Command, Option } from "@commander-js/extra-typings";
import {
  DEFAULT_DISCOVER_TIMEOUT_MS,
  DEFAULT_PEER_LISTEN,
  DEFAULT_SERVER_ADDRESS,
  DEFAULT_UPLOAD_LIMIT,
  DEFAULT_WEB_LISTEN,
  MS_PER_SECOND,
  REQUEST_TIMEOUT_MS,
  SERVER_UNREACHABLE_MS,
} from "../constants.ts";
import { discoverServer } from "../discovery/services.ts";
import { formatHostPort, type HostPort } from "../protocol/channel.ts";
import { errorMessage, type Logger, type LogLevel, stderrSink } from "../log.ts";
import type { Download } from "../peer/download.ts";
import { isActive } from "../peer/download_progress.ts";
import { PeerNode } from "../peer/peer.ts";
import { adoptLegacyPeerDataDir, defaultPeerDataDir } from "../storage/data_dir.ts";
import {
  addressListOption,
  addressOption,
  cliLogger,
  collect,
  givenNetworkKey,
  onShutdownSignal,
  secondsOption,
  SIGNAL_EXIT_CODES,
  sizeOption,
  withKeyOptions,
  withOutputOptions,
} from "./options.ts";
import {
  type Console,
  effectiveLogLevel,
  type OutputMode,
  outputMode,
  Reporter,
  stdConsole,
} from "./output.ts";
import { closingLine, cpuMilliseconds } from "./peer_summary.ts";
import { BarsDisplay, progressDisplay } from "./progress_display.ts";
import { printRemembered } from "./shared_list.ts";
import { Shell } from "./shell.ts";
import { relaySettings, withRelayOptions } from "./relay_options.ts";
import { checkStartupPaths } from "./startup_paths.ts";
import {
  registerWithProgress,
  stoppedLine,
  type TransferContext,
  watchDownload,
} from "./transfers.ts";
import { escapeWord } from "./words.ts";
import type { WebServer } from "../web/web_server.ts";

/** The `peer` command. */
export function peerCommand() {
  const base = new Command("peer")
    .description("run a peer: share files, serve them to others, download from others")
    .addOption(
      addressOption("-a, --addr <host:port>", {
        description: "address to serve chunks on (port 0 = any free port)",
        fallback: DEFAULT_PEER_LISTEN,
      }),
    )
    .addOption(
      addressListOption("-s, --server <host:port>", {
        description: "central server to register with; several, comma-separated (replicas of " +
          "one network, or a name with several addresses), to fail over between",
        fallback: DEFAULT_SERVER_ADDRESS,
      }),
    )
    .option(
      "-r, --register <paths...>",
      "share these files or folders at start-up (repeatable; a folder's hidden files are " +
        "shared too, its symlinks skipped)",
      [] as string[],
    )
    .option(
      "-d, --download <id>",
      "download this file ID, unique prefix or unique name (repeatable); ID:path/inside " +
        "fetches one file of a folder (resumed after a restart like any download, but not " +
        "shared: it has no ID of its own)",
      collect,
      [],
    )
    .option("-o, --out <dir>", "folder downloads are saved in", ".")
    .option(
      "--exit-when-done",
      "exit after the start-up downloads: 0 if all verified, 1 otherwise",
    )
    .option(
      "--data-dir <dir>",
      "folder for this peer's state (default: per user and listen address; none with port 0)",
    )
    .option("--no-resume", "do not resume the unfinished downloads of the data folder")
    .option(
      "--relay",
      "relay for the network's peers that cannot be dialled, when the server hands this " +
        "peer's relay out (it must be reachable; see --relay-port and README)",
    )
    .option(
      "--no-relay",
      "never download or serve through a relay (used only when neither peer can be dialled)",
    )
    .option(
      "--no-reshare",
      "keep this run's downloads to this peer; by default a peer shares what it downloads, as " +
        "BitTorrent does: the chunks it has while it runs, the whole once done, and again at " +
        "later starts (the shell's shared lists them, unshare stops one)",
    )
    .option(
      "--unshare <id|name>",
      "stop sharing for good an item shared before (ID prefix or name; repeatable)",
      collect,
      [],
    )
    .option("--auto-discover", "find the central server on the LAN over mDNS instead of --server")
    .option(
      "--discover-timeout <seconds>",
      "how long --auto-discover and --lan look before giving up",
      secondsOption,
      DEFAULT_DISCOVER_TIMEOUT_MS / MS_PER_SECOND,
    )
    .option(
      "--lan",
      "find peers on the LAN over mDNS and ask them for files; no server needed " +
        "(a server is still used if --server or --auto-discover is given)",
    )
    .option("--no-mdns", "do not advertise this peer on the LAN over mDNS/DNS-SD")
    .option(
      "--web [host:port]",
      `serve a web page to browse, download, share and upload from a browser (default ` +
        `${DEFAULT_WEB_LISTEN}; 0.0.0.0:PORT for phones on the LAN; port 0 = any free port); ` +
        "the URL it prints carries the access token",
    )
    .option(
      "--web-token <token>",
      "the web page's access token (default: a random one; the network key works too)",
    )
    .option(
      "--web-uploads <dir>",
      "folder files uploaded from the web page land in (default: <--out>/uploads)",
    )
    .addOption(
      new Option("--web-upload-limit <size>", "largest file the web page accepts (4G, 500M, bytes)")
        .argParser(sizeOption)
        .default(DEFAULT_UPLOAD_LIMIT, "4G"),
    )
    .option(
      "--shared",
      "list what this peer shares, as the shell's shared does, from its data folder (--data-dir, " +
        "or the one of --addr), then exit; contacts no server",
    );
  return withOutputOptions(
    withKeyOptions(withRelayOptions(base)),
    "print results only: no progress, only warnings and errors logged",
  )
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
          web = startWeb(peer, { ...options, web: options.web, reporter, log });
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
 * Says, for each download a signal stops, where it stopped and whether the
 * same command resumes it; returns how many there were.
 */
function reportStopped(peer: PeerNode, log: Logger): number {
  const running = peer.downloads().filter((download) => isActive(download.progress().state));
  for (const download of running) {
    const resumption = download.inside !== undefined
      ? "one-file"
      : peer.dataDir === undefined
      ? "no-state"
      : "same-command";
    log.warn(stoppedLine(download, resumption));
  }
  return running.length;
}

/** Stops `peer` and logs its closing line (uploads and CPU time, read by the bench). */
async function closePeer(peer: PeerNode, log: Logger): Promise<void> {
  await peer.close();
  log.info(closingLine(peer, cpuMilliseconds()));
}

async function startupWork(
  peer: PeerNode,
  options: TransferContext & {
    unshare: string[];
    register: string[];
    download: string[];
    out: string;
    log: Logger;
  },
): Promise<boolean> {
  let ok = true;
  for (const item of options.unshare) {
    await peer.unshare(item).catch((error) => {
      options.log.error(`unshare ${item}: ${errorMessage(error)}`);
      options.reporter.error(`unshare ${item}: ${errorMessage(error)}`);
      ok = false;
    });
  }
  const failFast = { failFastMs: SERVER_UNREACHABLE_MS };
  if (options.register.length > 0) {
    // The link says why it cannot connect, and shares all once it can.
    await peer.waitConnected(REQUEST_TIMEOUT_MS, failFast).catch(() => {});
  }
  for (const path of options.register) {
    try {
      await registerWithProgress(peer, path, options);
    } catch (error) {
      options.log.error(errorMessage(error));
      options.reporter.error(errorMessage(error));
      ok = false;
    }
  }
  const resumed = peer.downloads();
  if (options.download.length === 0 && resumed.length === 0) return ok;
  try {
    // A lookup may go while the server still checks that it can dial this peer back.
    await peer.waitConnected(REQUEST_TIMEOUT_MS, { ...failFast, asking: true });
  } catch (error) {
    options.log.error(errorMessage(error));
    options.reporter.error(errorMessage(error));
    return false;
  }
  const starts: { query: string; start: () => Download | Promise<Download> }[] = [
    ...resumed.map((download) => ({ query: download.fileId, start: () => download })),
    ...options.download.map((query) => ({
      query,
      start: () => peer.download(query, options.out),
    })),
  ];
  const results = await Promise.all(starts.map(async ({ query, start }) => {
    let download: Download | undefined;
    try {
      download = await start();
      await watchDownload(download, options);
      return true;
    } catch (error) {
      // Stopped by a signal: reportStopped says where, and how to resume.
      if (download?.progress().state === "cancelled") return false;
      options.log.error(`download ${query}: ${errorMessage(error)}`);
      options.reporter.error(`download ${query}: ${errorMessage(error)}`);
      return false;
    }
  }));
  return ok && results.every(Boolean);
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
