/**
 * `p2pft server`: runs the central index server, optionally with its
 * interactive shell (`-i`).
 *
 * @module
 */

import { guardDebugger } from "./debugger_guard.ts";
import { Command, Option } from "@commander-js/extra-typings";
import { MAX_CONNECTIONS_PER_ADDRESS, PEER_TIMEOUT_MS } from "../constants.ts";
import { DEFAULT_SERVER_LISTEN } from "./constants.ts";
import { errorMessage } from "../log.ts";
import { isLoopbackHost, isWildcardHost } from "../discovery/addresses.ts";
import { formatHostPort, parseHostPort } from "../protocol/channel.ts";
import type { Credentials } from "../protocol/dial.ts";
import { createIdentity, loadOrCreateIdentity } from "../security/identity.ts";
import {
  formatNetworkKey,
  generateNetworkKey,
  loadOrCreateNetworkKey,
  parseNetworkKey,
} from "../security/network_key.ts";
import { Replica } from "../server/replica.ts";
import { DESCRIPTOR_RESERVE } from "../protocol/admission.ts";
import { CentralServer } from "../server/server.ts";
import { defaultServerDataDir } from "../storage/data_dir.ts";
import {
  addressOption,
  cliLogger,
  givenNetworkKey,
  hostPortOption,
  onShutdownSignal,
  positiveOption,
  withKeyOptions,
  withOutputOptions,
} from "./options.ts";
import { effectiveLogLevel, outputMode, Reporter, stdConsole } from "./output.ts";
import { relaySettings, withRelayOptions } from "./relay_options.ts";
import { Shell } from "./shell.ts";

/** The `server` command. */
export function serverCommand() {
  const base = new Command("server")
    .description("run the central server that indexes peers and their files")
    .addOption(
      addressOption("-a, --addr <host:port>", {
        description: "address to listen on (port 0 = any free port)",
        fallback: DEFAULT_SERVER_LISTEN,
      }),
    )
    // The old short flag, as `peer` has -a for the same thing: kept working, hidden.
    .addOption(new Option("-p <host:port>").argParser(hostPortOption).hideHelp())
    .option("--no-mdns", "do not advertise the server on the LAN over mDNS/DNS-SD")
    .option("--no-relay", "relay nothing between peers that cannot be dialled (see README)")
    .option(
      "--max-connections <n>",
      `connections held at once; newcomers past it are told so and closed ` +
        `(default: the descriptor limit less ${DESCRIPTOR_RESERVE})`,
      positiveOption,
    )
    .option(
      "--max-per-address <n>",
      `connections held at once from one IP address (default ${MAX_CONNECTIONS_PER_ADDRESS})`,
      positiveOption,
    )
    .option(
      "--data-dir <dir>",
      "folder for the server's identity and network key " +
        "(default: per user and listen address; none with port 0)",
    )
    .option(
      "--redis <url>",
      "share one network among several servers (replicas) through Redis at redis://HOST:PORT: " +
        "peers may register with any of them (see README)",
    )
    .option(
      "--open",
      "run an open network: no network key, anyone who reaches the port may list and fetch",
    );
  return withOutputOptions(
    withKeyOptions(withRelayOptions(base)),
    "print results only; only warnings and errors logged",
  )
    .action(async ({ p, ...options }) => {
      if (p) options.addr = p;
      const mode = outputMode(options);
      // The shell's commands load only for -i.
      const shellCommands = options.interactive ? await import("./server_shell.ts") : undefined;
      const shell = shellCommands && new Shell({ prompt: shellCommands.SERVER_PROMPT });
      const log = cliLogger("server", effectiveLogLevel(options.logLevel, mode), {
        sink: shell?.logSink(),
      });
      guardDebugger(log);
      const dataDir = options.dataDir ?? defaultServerDataDir(options.addr);
      const credentials = await serverCredentials(dataDir, options);
      const server = await CentralServer.start({
        hostname: options.addr.host,
        port: options.addr.port,
        credentials,
        log,
        limits: {
          ...(options.maxConnections ? { total: Math.floor(options.maxConnections) } : {}),
          ...(options.maxPerAddress ? { perAddress: Math.floor(options.maxPerAddress) } : {}),
        },
        relay: options.relay && relaySettings(options),
      });
      let replica: Replica | undefined;
      try {
        replica = options.redis === undefined ? undefined : await Replica.start({
          store: server.store,
          url: options.redis,
          timeoutMs: PEER_TIMEOUT_MS,
          log: log.child("redis"),
        });
      } catch (error) {
        await server.close();
        throw error;
      }
      const reporter = new Reporter(mode, shell ?? stdConsole());
      reporter.emit({ event: "listening", role: "server", address: server.address });
      reporter.emit({
        event: "network",
        serverId: credentials.identity.id,
        key: credentials.networkKey && formatNetworkKey(credentials.networkKey),
        join: reachableAddresses(server.address, Deno.networkInterfaces())
          .map((address) => joinCommand(address, credentials.networkKey)),
      });
      if (!credentials.networkKey) {
        log.warn(
          "running an OPEN network (--open): anyone who reaches this port can list and fetch " +
            "every shared file; links are still encrypted",
        );
      }
      if (options.mdns) {
        await server.advertise().catch((error) => {
          log.warn(`cannot advertise over mDNS (${errorMessage(error)}); peers need --server`);
        });
      }
      if (shellCommands && shell) {
        await shellCommands.runServerShell(server, shell);
      } else {
        await new Promise<void>((resolve) => {
          onShutdownSignal(() => {
            log.info("shutting down");
            resolve();
          });
        });
      }
      await replica?.close();
      await server.close();
      Deno.exit(shell?.exitCode ?? 0);
    });
}

/**
 * The server's identity and network key: both kept in `dataDir` (created at
 * first start) when there is one, else fresh for this run. A key given with
 * `--key`, `--key-file` or `P2PFT_KEY` replaces the kept one for this run;
 * `--open` runs without a key.
 */
async function serverCredentials(
  dataDir: string | undefined,
  options: { open?: boolean; key?: string; keyFile?: string },
): Promise<Credentials> {
  const given = await givenNetworkKey(options);
  if (options.open && given) {
    throw new Error("--open runs a network without a key: drop the key, or drop --open");
  }
  const identity = dataDir ? await loadOrCreateIdentity(dataDir) : await createIdentity();
  if (options.open) return { identity, networkKey: undefined };
  const stored = dataDir ? await loadOrCreateNetworkKey(dataDir) : generateNetworkKey();
  return { identity, networkKey: given ?? parseNetworkKey(stored) };
}

/**
 * Where peers on other machines can reach a server listening on `address`:
 * that address when it is a specific one, else `host:port` for each of the
 * machine's non-loopback IPv4 addresses (loopback when it has none).
 */
export function reachableAddresses(
  address: string,
  interfaces: Pick<Deno.NetworkInterfaceInfo, "family" | "address">[],
): string[] {
  const { host, port } = parseHostPort(address);
  if (!isWildcardHost(host)) return [address];
  const lan = interfaces
    .filter((info) => info.family === "IPv4" && !isLoopbackHost(info.address))
    .map((info) => formatHostPort(info.address, port));
  return lan.length > 0 ? [...new Set(lan)] : [formatHostPort("127.0.0.1", port)];
}

/** The command a peer joins with, given the server's address. */
export function joinCommand(address: string, key: Uint8Array | undefined): string {
  return `p2pft peer --server ${address}` + (key ? ` --key ${formatNetworkKey(key)}` : "");
}
