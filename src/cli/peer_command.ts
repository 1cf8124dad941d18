/**
 * `p2pft peer`: shares files, serves chunks and downloads files.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { DEFAULT_PEER_LISTEN, DEFAULT_SERVER_ADDRESS, REQUEST_TIMEOUT_MS } from "../constants.ts";
import { errorMessage, type Logger } from "../log.ts";
import { PeerNode } from "../peer/peer.ts";
import { defaultPeerDataDir } from "../storage/data_dir.ts";
import { formatBytes, formatDuration, formatRate } from "./format.ts";
import {
  cliLogger,
  collect,
  hostPortOption,
  logLevelOption,
  onShutdownSignal,
  printResult,
} from "./options.ts";

/** The `peer` command. */
export function peerCommand() {
  return new Command("peer")
    .description("run a peer: share files, serve them to others, download from others")
    .option(
      "-a, --addr <host:port>",
      "address to serve chunks on (port 0 = any free port)",
      hostPortOption,
      hostPortOption(DEFAULT_PEER_LISTEN),
    )
    .option(
      "-s, --server <host:port>",
      "central server to register with",
      hostPortOption,
      hostPortOption(DEFAULT_SERVER_ADDRESS),
    )
    .option("-r, --register <path>", "share this file at start-up (repeatable)", collect, [])
    .option(
      "-d, --download <id>",
      "download this file ID or unique prefix (repeatable)",
      collect,
      [],
    )
    .option("-o, --out <dir>", "folder downloads are saved in", ".")
    .option("--exit-when-done", "exit after the start-up downloads: 0 if all verified, 1 otherwise")
    .option(
      "--data-dir <dir>",
      "folder for this peer's state (default: per user and listen address; none with port 0)",
    )
    .option("--no-resume", "do not resume the unfinished downloads of the data folder")
    .option(
      "--log-level <level>",
      "debug, info, warn, error or silent",
      logLevelOption,
      "info" as const,
    )
    .action(async (options) => {
      const log = cliLogger("peer", { level: options.logLevel });
      const peer = await PeerNode.start({
        hostname: options.addr.host,
        port: options.addr.port,
        server: options.server,
        dataDir: options.dataDir ?? defaultPeerDataDir(options.addr),
        resume: options.resume,
        log,
      });
      printResult(`p2pft peer listening on ${peer.address}`);
      let stopping = false;
      const stopped = new Promise<void>((resolve) => {
        onShutdownSignal(() => {
          stopping = true;
          log.info("shutting down");
          resolve();
        });
      });
      const ok = await startupWork(peer, { ...options, log });
      if (options.exitWhenDone || stopping) {
        await peer.close();
        Deno.exit(ok ? 0 : 1);
      }
      await stopped;
      await peer.close();
      Deno.exit(0);
    });
}

async function startupWork(
  peer: PeerNode,
  options: { register: string[]; download: string[]; out: string; log: Logger },
): Promise<boolean> {
  let ok = true;
  if (options.register.length > 0) {
    await peer.waitConnected(REQUEST_TIMEOUT_MS).catch((error) => {
      options.log.warn(`${errorMessage(error)}; sharing once it is reachable`);
    });
  }
  for (const path of options.register) {
    try {
      const registered = await peer.register(path);
      printResult(`File ID: ${registered.fileId}`);
    } catch (error) {
      options.log.error(errorMessage(error));
      ok = false;
    }
  }
  const resumed = peer.downloads();
  if (options.download.length === 0 && resumed.length === 0) return ok;
  try {
    await peer.waitConnected(REQUEST_TIMEOUT_MS);
  } catch (error) {
    options.log.error(errorMessage(error));
    return false;
  }
  const starts = [
    ...resumed.map((download) => ({ query: download.fileId, start: () => download })),
    ...options.download.map((query) => ({
      query,
      start: () => peer.download(query, { outDir: options.out }),
    })),
  ];
  const results = await Promise.all(starts.map(async ({ query, start }) => {
    try {
      const download = await start();
      const result = await download.done;
      const what = result.alreadyPresent ? "Already present" : "Downloaded";
      printResult(`${what}: ${result.path}`);
      options.log.info(
        `${download.manifest.name}: ${formatBytes(result.size)} in ${
          formatDuration(result.elapsedMs)
        } ` +
          `(${formatRate(result.size, result.elapsedMs)}), every chunk verified`,
      );
      return true;
    } catch (error) {
      options.log.error(`download ${query}: ${errorMessage(error)}`);
      return false;
    }
  }));
  return ok && results.every(Boolean);
}
