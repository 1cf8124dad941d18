/**
 * `p2pft server -i`: the central server's interactive shell. Shows the
 * server's status, its peers and the files they share.
 *
 * @module
 */

import { Argument, type Command } from "@commander-js/extra-typings";
import type { FileSummary, PeerSummary } from "../protocol/messages.ts";
import type { CentralServer } from "../server/server.ts";
import { formatBytes, formatDuration, listedAddress, listedName } from "./format.ts";
import type { Shell, ShellIo } from "./shell.ts";
import { shellProgram } from "./shell_program.ts";
import { formatFields, formatTable } from "./table.ts";

/** The prompt of the server shell. */
export const SERVER_PROMPT = "p2pft server> ";

/** Hex digits of a file ID shown in lists. */
const SHOWN_ID_LENGTH = 12;

/** Characters of a peer ID shown in lists. */
const SHOWN_PEER_ID_LENGTH = 8;

/** Runs the server shell until the user leaves. */
export async function runServerShell(server: CentralServer, shell: Shell): Promise<void> {
  await shell.run({
    program: (io) => serverShellProgram(server, { shell, io }),
    candidates: () => [],
  });
}

function serverShellProgram(
  server: CentralServer,
  context: { shell: Shell; io: ShellIo },
): Command {
  const { io } = context;
  return shellProgram(context.shell, io, {
    exit: "shut the server down and leave",
    commands: (program) => {
      program.command("status")
        .description("show the server: address, uptime, peers, files, bytes indexed")
        .action(() => io.out(...statusLines(server)));
      program.command("list")
        .description("list the live peers or the indexed files")
        .addArgument(new Argument("<what>", "peers or files").choices(["peers", "files"]))
        .action((what) => {
          if (what === "peers") io.out(...serverPeerLines(server.peers()));
          else io.out(...serverFileLines(server.files()));
        });
    },
  });
}

function statusLines(server: CentralServer): string[] {
  const status = server.status();
  return formatFields([
    ["listening on", status.address],
    ["uptime", formatDuration(status.uptimeMs)],
    ["peers", String(status.peers)],
    ["files", String(status.files)],
    ["bytes indexed", formatBytes(status.bytesIndexed)],
  ]);
}

/** The `list peers` table: address, peer ID prefix, files shared, last heartbeat age. */
export function serverPeerLines(peers: PeerSummary[]): string[] {
  if (peers.length === 0) return ["no peers connected"];
  return formatTable(
    peers.map((peer) => [
      listedAddress(peer),
      peer.peerId.slice(0, SHOWN_PEER_ID_LENGTH),
      String(peer.files),
      `${formatDuration(peer.lastSeenMs)} ago`,
    ]),
    {
      header: ["ADDRESS", "PEER", "FILES", "LAST HEARTBEAT"],
      align: ["left", "left", "right", "right"],
    },
  );
}

/** The `list files` table: ID prefix, name, size, sources. */
export function serverFileLines(files: FileSummary[]): string[] {
  if (files.length === 0) return ["no files indexed"];
  return formatTable(
    files.map((file) => [
      file.fileId.slice(0, SHOWN_ID_LENGTH),
      listedName(file),
      formatBytes(file.size),
      String(file.sources),
    ]),
    { header: ["ID", "NAME", "SIZE", "SOURCES"], align: ["left", "left", "right", "right"] },
  );
}
