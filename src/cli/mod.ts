/**
 * The `p2pft` command line: `p2pft server`, `p2pft peer`, `p2pft send` and `p2pft get`.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { PROGRAM_VERSION } from "../constants.ts";
import { getCommand } from "./get_command.ts";
import { peerCommand } from "./peer_command.ts";
import { sendCommand } from "./send_command.ts";
import { serverCommand } from "./server_command.ts";

/** Builds the command tree (also used by the interactive shells for completion). */
export function buildProgram(): Command {
  return new Command("p2pft")
    .description(
      "Peer-to-peer file transfer: send and get with a short code, or a network of peers " +
        "around an index server",
    )
    .version(`p2pft ${PROGRAM_VERSION}`, "-V, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .addCommand(serverCommand())
    .addCommand(peerCommand())
    .addCommand(sendCommand())
    .addCommand(getCommand());
}

/** Runs the CLI on `args` (without the program name). */
export async function runCli(args: string[]): Promise<void> {
  await buildProgram().parseAsync(args, { from: "user" });
}
