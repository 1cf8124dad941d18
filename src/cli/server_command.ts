/**
 * `p2pft server`: runs the central index server, optionally with its
 * interactive shell (`-i`).
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { DEFAULT_SERVER_LISTEN } from "../constants.ts";
import { errorMessage } from "../log.ts";
import { CentralServer } from "../server/server.ts";
import { addressOption, cliLogger, onShutdownSignal, withOutputOptions } from "./options.ts";
import { effectiveLogLevel, outputMode, Reporter, stdConsole } from "./output.ts";
import { runServerShell, SERVER_PROMPT } from "./server_shell.ts";
import { Shell } from "./shell.ts";

/** The `server` command. */
export function serverCommand() {
  const base = new Command("server")
    .description("run the central server that indexes peers and their files")
    .addOption(
      addressOption("-p, --addr <host:port>", {
        description: "address to listen on (port 0 = any free port)",
        fallback: DEFAULT_SERVER_LISTEN,
      }),
    )
    .option("--no-mdns", "do not advertise the server on the LAN over mDNS/DNS-SD");
  return withOutputOptions(base, "print results only; only warnings and errors logged")
    .action(async (options) => {
      const mode = outputMode(options);
      const shell = options.interactive ? new Shell({ prompt: SERVER_PROMPT }) : undefined;
      const log = cliLogger("server", effectiveLogLevel(options.logLevel, mode), {
        sink: shell?.logSink(),
      });
      const server = CentralServer.start({
        hostname: options.addr.host,
        port: options.addr.port,
        log,
      });
      const reporter = new Reporter(mode, shell ?? stdConsole());
      reporter.emit({ event: "listening", role: "server", address: server.address });
      if (options.mdns) {
        await server.advertise().catch((error) => {
          log.warn(`cannot advertise over mDNS (${errorMessage(error)}); peers need --server`);
        });
      }
      if (shell) {
        await runServerShell(server, shell);
      } else {
        await new Promise<void>((resolve) => {
          onShutdownSignal(() => {
            log.info("shutting down");
            resolve();
          });
        });
      }
      await server.close();
      Deno.exit(0);
    });
}
