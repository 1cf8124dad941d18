/**
 * `p2pft server`: runs the central index server.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { DEFAULT_SERVER_LISTEN } from "../constants.ts";
import { CentralServer } from "../server/server.ts";
import {
  cliLogger,
  hostPortOption,
  logLevelOption,
  onShutdownSignal,
  printResult,
} from "./options.ts";

/** The `server` command. */
export function serverCommand() {
  return new Command("server")
    .description("run the central server that indexes peers and their files")
    .option(
      "-p, --addr <host:port>",
      "address to listen on (port 0 = any free port)",
      hostPortOption,
      hostPortOption(DEFAULT_SERVER_LISTEN),
    )
    .option(
      "--log-level <level>",
      "debug, info, warn, error or silent",
      logLevelOption,
      "info" as const,
    )
    .action(async (options) => {
      const log = cliLogger("server", { level: options.logLevel });
      const server = CentralServer.start({
        hostname: options.addr.host,
        port: options.addr.port,
        log,
      });
      printResult(`p2pft server listening on ${server.address}`);
      await new Promise<void>((resolve) => {
        onShutdownSignal(() => {
          log.info("shutting down");
          resolve();
        });
      });
      await server.close();
      Deno.exit(0);
    });
}
