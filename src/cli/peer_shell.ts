/**
 * `p2pft peer -i`: the peer's interactive shell. Registers and downloads
 * files, lists what the network shares, and shows downloads running in the
 * background with their progress above the prompt.
 *
 * @module
 */

import { homedir } from "node:os";
import { Argument, type Command } from "@commander-js/extra-typings";
import { REQUEST_TIMEOUT_MS, SERVER_UNREACHABLE_MS } from "../constants.ts";
import type { Download } from "../peer/download.ts";
import { isActive } from "../peer/download_progress.ts";
import type { PeerNode } from "../peer/peer.ts";
import type { FileSummary } from "../protocol/messages.ts";
import { type ArgumentCandidates, fileCandidates, pathCandidates } from "./completion.ts";
import { formatBytes } from "./format.ts";
import { type OutputMode, Reporter } from "./output.ts";
import { cutNote, downloadRows, fileRows, peerRows, statusFields } from "./peer_shell_lines.ts";
import { type ProgressDisplay, progressDisplay, StatusLines } from "./progress_display.ts";
import { type Shell, type ShellIo, untilAborted } from "./shell.ts";
import { shellProgram } from "./shell_program.ts";
import { formatFields, formatTable } from "./table.ts";
import { expandPaths } from "./shell_paths.ts";
import { sharedTable } from "./shared_list.ts";
import { ownSummary } from "../peer/file_query.ts";
import { registerWithProgress, watchDownload } from "./transfers.ts";
import type { WebServer } from "../web/web_server.ts";
import { printWeb } from "./web_cli.ts";

/** The prompt of the peer shell. */
export const PEER_PROMPT = "p2pft peer> ";

/** What the peer shell works with. */
export interface PeerShellContext {
  /** The running peer. */
  peer: PeerNode;
  /** The shell. */
  shell: Shell;
  /** Output mode (`--quiet`, `--json`). */
  mode: OutputMode;
  /** Default folder of downloads. */
  outDir: string;
  /** The web page, when the peer serves one (`--web`). */
  web?: WebServer;
}

/** The shell state shared by every line: progress and watched downloads. */
interface PeerShellState extends PeerShellContext {
  display: ProgressDisplay;
  status: StatusLines | undefined;
  reporter: Reporter;
  watched: Set<number>;
  /** Time each finished download took, by download number. */
  elapsed: Map<number, number>;
}

/** Runs the peer shell until the user leaves. */
export async function runPeerShell(context: PeerShellContext): Promise<void> {
  const { shell, mode } = context;
  const status = shell.interactive && mode !== "quiet" ? new StatusLines() : undefined;
  const target = { out: (line: string) => shell.out(line), err: (line: string) => shell.err(line) };
  const state: PeerShellState = {
    ...context,
    status,
    display: status ?? progressDisplay(mode, { target, terminal: false }),
    reporter: new Reporter(mode, target),
    watched: new Set(),
    elapsed: new Map(),
  };
  for (const download of state.peer.downloads()) {
    if (isActive(download.progress().state)) {
      state.watched.add(download.progress().id);
      watchInBackground(state, download);
    }
  }
  await shell.run({
    program: (io) => peerShellProgram(state, io),
    candidates: peerCandidates(state),
    status: () => status?.lines() ?? [],
    leaveQuestion: () => {
      const running = state.peer.status().downloadsRunning;
      return running === 0 ? undefined : leaveQuestion(running, state.peer.dataDir);
    },
  });
}

/**
 * What Ctrl-D asks when `running` downloads would stop: whether they resume
 * (they do when the peer keeps a data folder), and how to leave or stay.
 */
export function leaveQuestion(running: number, dataDir: string | undefined): string {
  const one = running === 1;
  const downloads = one ? "1 download is" : `${running} downloads are`;
  const after = dataDir === undefined
    ? `${one ? "it starts" : "they start"} over next time: this peer keeps no data folder ` +
      "(--data-dir gives it one)"
    : `${one ? "it resumes" : "they resume"} the next time a peer starts with the same data ` +
      `folder (${dataDir})`;
  return `${downloads} running: leaving stops ${one ? "it" : "them"}, and ${after}. ` +
    "Press Ctrl-D again or y to leave, any other key to stay";
}

/** Most files of each kind (by ID, by name) the server sends for one completion. */
const COMPLETION_LIMIT = 200;

/** Completion candidates of the peer shell's arguments. */
function peerCandidates(state: PeerShellState): ArgumentCandidates {
  return async (command, { arg, partial }) => {
    if (arg === "path") return await pathCandidates(partial);
    if (arg === "dir") return await pathCandidates(partial, { foldersOnly: true });
    if (arg === "item") return fileCandidates(state.peer.shared().map(ownSummary), partial);
    if (arg === "file") {
      const files = await state.peer.matchingFiles(partial, COMPLETION_LIMIT).catch(
        () => [] as FileSummary[],
      );
      return fileCandidates(files, partial);
    }
    if (arg === "n") {
      const running = command === "cancel" || command === "wait";
      return state.peer.downloads()
        .map((download) => download.progress())
        .filter((progress) => !running || isActive(progress.state))
        .map((progress) => String(progress.id));
    }
    return [];
  };
}

/** The peer shell's command tree; actions print through `io`. */
function peerShellProgram(state: PeerShellState, io: ShellIo): Command {
  return shellProgram(state.shell, io, {
    exit: "leave: cancel downloads, say goodbye to the server, stop serving",
    commands: (program) => {
      program.command("status")
        .description("show this peer: address, server, peers, files shared, transfers")
        .action(() => showStatus(state, io));
      program.command("list")
        .description("list the files or the peers of the network (* = shared by this peer)")
        .addArgument(new Argument("<what>", "files or peers").choices(["files", "peers"]))
        .action((what) => what === "files" ? listFiles(state, io) : listPeers(state, io));
      program.command("register")
        .description(
          "share a file or folder (hidden files included, symlinks skipped): hash it and tell " +
            "the server; prints its ID",
        )
        .argument("<path...>", "files or folders to share (~ and * ? [ patterns expanded)")
        .action(async (words) => {
          for (const path of expandPaths(words, { cwd: Deno.cwd(), home: homedir() })) {
            await registerWithProgress(state.peer, path, {
              display: state.display,
              reporter: state.reporter,
              signal: io.signal,
            });
          }
        });
      program.command("download")
        .description("download a file in the background (by ID, unique ID prefix or name)")
        .argument(
          "<file>",
          "file ID, unique prefix of one, or file name; ID:path or folder/:path for one file " +
            "of a folder (resumed, not shared)",
        )
        .argument("[dir]", "folder to save it in (default: the --out folder)")
        .action((file, dir) => startDownload(state, io, { query: file, dir }));
      program.command("shared")
        .description("list what this peer shares, and where each comes from")
        .action(() => listShared(state, io));
      program.command("unshare")
        .description("stop sharing an item for good (not served, not shared again at start)")
        .argument("<item>", "ID prefix or name of an item this peer shares (shared lists them)")
        .action(async (item) => {
          const file = await state.peer.unshare(item);
          io.out(`no longer sharing ${file.manifest.name} (${file.path})`);
        });
      program.command("downloads")
        .description("list running and finished downloads")
        .action(() => listDownloads(state, io));
      program.command("cancel")
        .description("cancel a running download (its partial file is deleted)")
        .argument("<n>", "download number, as listed by downloads")
        .action(async (n) => {
          const download = await state.peer.cancelDownload(downloadNumber(n));
          io.out(`cancelled #${n} ${download.manifest.name}`);
        });
      program.command("web")
        .description("print the web page's URL (with its access token) and a QR code of it")
        .action(() => {
          if (!state.web) throw new Error("this peer serves no web page: start it with --web");
          printWeb(state.web, new Reporter(state.mode, { out: io.out, err: io.err }));
        });
      program.command("wait")
        .description("wait until the running downloads (or download n) end; Ctrl-C stops waiting")
        .argument("[n]", "download number")
        .action(async (n) => {
          const downloads = state.peer.downloads().filter((download) =>
            isActive(download.progress().state) &&
            (n === undefined || download.progress().id === downloadNumber(n))
          );
          if (downloads.length > 0 && state.shell.interactive) {
            io.out(`waiting for ${downloads.length} download(s); Ctrl-C stops waiting`);
          }
          await untilAborted(Promise.all(downloads.map((d) => d.settled)), io.signal);
        });
    },
  });
}

/** Waits (abortably) until the peer is registered with the server, for commands that ask it. */
async function connected(state: PeerShellState, io: ShellIo): Promise<void> {
  if (state.peer.status().connected) return;
  const waiting = state.peer.waitConnected(REQUEST_TIMEOUT_MS, {
    failFastMs: SERVER_UNREACHABLE_MS,
  });
  await untilAborted(waiting, io.signal);
}

function downloadNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${text} is not a download number; downloads lists them`);
  }
  return n;
}

async function showStatus(state: PeerShellState, io: ShellIo): Promise<void> {
  const status = state.peer.status();
  let peersKnown = "unknown (not connected)";
  if (status.connected || status.lan) {
    peersKnown = await untilAborted(state.peer.networkPeers(), io.signal)
      .then(
        (peers) => String(peers.entries.length + peers.cut),
        (error) => `unknown (${error.message})`,
      );
  }
  const downloads = state.peer.downloads().map((download) => download.progress());
  io.out(...formatFields(statusFields(status, { peersKnown, downloads })));
}

function listShared(state: PeerShellState, io: ShellIo): void {
  io.out(...sharedTable(state.peer.shared(), "register <path> shares a file or folder"));
}

async function listFiles(state: PeerShellState, io: ShellIo): Promise<void> {
  await connected(state, io);
  const files = await untilAborted(state.peer.networkFiles(), io.signal);
  if (files.entries.length === 0) {
    io.out("no files on the network yet; register <path> shares one");
    return;
  }
  const mine = new Set(state.peer.shared().map((file) => file.fileId));
  io.out(...formatTable(fileRows(files.entries, mine), {
    header: ["", "ID", "NAME", "SIZE", "SOURCES"],
    align: ["left", "left", "left", "right", "right"],
  }));
  if (files.cut > 0) io.out(cutNote(files.cut, "files"));
}

async function listPeers(state: PeerShellState, io: ShellIo): Promise<void> {
  await connected(state, io);
  const peers = await untilAborted(state.peer.networkPeers(), io.signal);
  io.out(...formatTable(peerRows(peers.entries, state.peer.peerId), {
    header: ["ADDRESS", "PEER", "FILES", "LAST SEEN", ""],
    align: ["left", "left", "right", "right", "left"],
  }));
  if (peers.cut > 0) io.out(cutNote(peers.cut, "peers"));
}

async function startDownload(
  state: PeerShellState,
  io: ShellIo,
  options: { query: string; dir: string | undefined },
): Promise<void> {
  await connected(state, io);
  const download = await untilAborted(
    state.peer.download(options.query, options.dir ?? state.outDir),
    io.signal,
  );
  const { id, name, bytesTotal } = download.progress();
  if (state.watched.has(id)) {
    io.out(`${name} is already being downloaded as #${id}`);
    return;
  }
  state.watched.add(id);
  io.out(`#${id} downloading ${name} (${formatBytes(bytesTotal)}) in the background`);
  watchInBackground(state, download);
}

function watchInBackground(state: PeerShellState, download: Download): void {
  const { id, name } = download.progress();
  watchDownload(download, { display: state.display, reporter: state.reporter }).then((result) => {
    state.elapsed.set(id, result.elapsedMs);
  }, (error) => {
    const message = error instanceof Error ? error.message : String(error);
    if (download.progress().state === "cancelled") return;
    state.shell.recordFailure();
    state.shell.err(`error: download #${id} ${name} failed: ${message}`);
    state.reporter.error(`download #${id} ${name} failed: ${message}`);
  });
}

function listDownloads(state: PeerShellState, io: ShellIo): void {
  const downloads = state.peer.downloads();
  if (downloads.length === 0) {
    io.out("no downloads yet; download <file> starts one");
    return;
  }
  io.out(...formatTable(downloadRows(downloads, state.elapsed), {
    header: ["#", "STATE", "DONE", "SIZE", "AVG RATE", "SOURCES", "NAME", "PATH / REASON"],
    align: ["right", "left", "right", "right", "right", "right", "left", "left"],
  }));
}
