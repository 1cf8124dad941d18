/**
 * The interactive shell both `p2pft server -i` and `p2pft peer -i` run:
 * readline with history, Tab completion and Ctrl-R history search on a
 * terminal, status lines (progress bars) drawn above the prompt, output and
 * log lines printed above the line being typed, Ctrl-C to clear the line or
 * stop the running command, Ctrl-D to leave (asking first when leaving would
 * stop work). With piped stdin it reads commands line by line and prints
 * plain output, so it can be scripted; it then exits 1 if a command failed.
 *
 * @module
 */

import { CommanderError, type CommandUnknownOpts } from "@commander-js/extra-typings";
import process from "node:process";
import * as readline from "node:readline";
import { errorMessage, type LogSink } from "../log.ts";
import { printable } from "../printable.ts";
import {
  type ArgumentCandidates,
  commandSpecs,
  completeLine,
  type Completion,
  findCommand,
} from "./completion.ts";
import { onShutdownSignal } from "./options.ts";
import { displayRows, oneLineError } from "./shell_format.ts";
import { KeyBindings, routeKeys } from "./shell_keys.ts";
import { LineQueue } from "./shell_lines.ts";
import { splitLine } from "./words.ts";

/** Commands kept in the Up-arrow history. */
export const HISTORY_SIZE = 500;

/** How often the status lines above the prompt are redrawn, in milliseconds. */
export const STATUS_REFRESH_MS = 500;

/** Width assumed when the terminal does not say. */
const DEFAULT_COLUMNS = 80;

/** Commander exits that are not errors: help or version shown. */
const QUIET_EXITS = new Set(["commander.helpDisplayed", "commander.help", "commander.version"]);

/** What a shell command's action may use. */
export interface ShellIo {
  /** Prints result lines (stdout), above the prompt. */
  out(...lines: string[]): void;
  /** Prints note or error lines (stderr), above the prompt. */
  err(...lines: string[]): void;
  /** Aborted when the user presses Ctrl-C while the command runs. */
  signal: AbortSignal;
}

/** Options of {@linkcode Shell}. */
export interface ShellOptions {
  /** The prompt, e.g. `p2pft peer> `. */
  prompt: string;
  /** True to run as a terminal shell; default: stdin and stdout are terminals. */
  interactive?: boolean;
}

/** The commands a shell runs, given to {@linkcode Shell.run}. */
export interface ShellCommands {
  /** Builds the command tree for one line; its actions do the work through `io`. */
  program: (io: ShellIo) => CommandUnknownOpts;
  /** Candidates for arguments without fixed choices. */
  candidates: ArgumentCandidates;
  /** Lines drawn above the prompt on a terminal, e.g. progress bars. */
  status?: () => string[];
  /**
   * What to ask before Ctrl-D leaves, when leaving would stop work (running
   * downloads); `undefined` to leave at once.
   */
  leaveQuestion?: () => string | undefined;
}

/** Rejects with the abort reason when `signal` aborts before `promise` settles. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** A running shell. */
export class Shell {
  /** True on a terminal: prompt, completion, history, status lines. */
  readonly interactive: boolean;
  #options: ShellOptions;
  #commands: ShellCommands | undefined;
  #rl: readline.Interface;
  #queue = new LineQueue();
  #busy = false;
  #drawn = false;
  #closed = false;
  #controller: AbortController | undefined;
  #lastStatus = "";
  #promptText = "";
  #encoder = new TextEncoder();
  #failed = false;
  #keys: KeyBindings | undefined;
  #unrouteKeys: (() => void) | undefined;

  /** Sets the shell up (lines typed meanwhile wait); {@linkcode run} runs the commands. */
  constructor(options: ShellOptions) {
    this.#options = options;
    this.interactive = options.interactive ??
      (Deno.stdin.isTerminal() && Deno.stdout.isTerminal());
    this.#rl = readline.createInterface({
      input: process.stdin,
      output: this.interactive ? process.stdout : undefined,
      terminal: this.interactive,
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
    });
    this.#rl.on("line", (line) => this.#onLine(line));
    this.#rl.on("close", () => this.#onClose());
    this.#rl.on("SIGINT", () => this.#interrupt());
    if (this.interactive) {
      const keys = new KeyBindings({
        rl: this.#rl,
        busy: () => this.#busy || this.#closed,
        complete: (line) => this.#complete(line),
        leaveQuestion: () => this.#commands?.leaveQuestion?.(),
        out: (...lines) => this.out(...lines),
        err: (...lines) => this.err(...lines),
        render: () => this.#render(),
        columns: () => this.#columns(),
      });
      this.#keys = keys;
      this.#unrouteKeys = routeKeys(process.stdin, (text, key) => keys.key(text, key));
    }
  }

  /**
   * The exit status the shell ends with: 1 when it ran a piped script in
   * which a command failed, else 0.
   */
  get exitCode(): number {
    return !this.interactive && this.#failed ? 1 : 0;
  }

  /** Counts a failure that happened outside a command (a background download). */
  recordFailure(): void {
    this.#failed = true;
  }

  /** Queues `lines` to run first, as if typed (start-up work). */
  enqueue(...lines: string[]): void {
    for (const line of lines) this.#queue.push(line);
  }

  /** Prints result lines (stdout) above the prompt. */
  out(...lines: string[]): void {
    this.#print(lines, Deno.stdout);
  }

  /** Prints note or error lines (stderr) above the prompt. */
  err(...lines: string[]): void {
    this.#print(lines, Deno.stderr);
  }

  /** A log sink that prints above the prompt. */
  logSink(): LogSink {
    return (line) => this.err(line);
  }

  /** Runs `commands` until `exit`, Ctrl-D, end of input or a shutdown signal. */
  async run(commands: ShellCommands): Promise<void> {
    this.#commands = commands;
    const removeSignals = onShutdownSignal(() => this.close());
    const refresher = this.interactive
      ? setInterval(() => this.#refreshStatus(), STATUS_REFRESH_MS)
      : undefined;
    this.#render();
    try {
      while (true) {
        const line = await this.#queue.next();
        if (line === undefined) break;
        await this.#execute(line);
        if (this.#queue.pending === 0) this.#render();
      }
    } finally {
      clearInterval(refresher);
      removeSignals();
      this.close();
    }
  }

  /** Stops reading commands; the running one is aborted. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller?.abort(new Error("the shell is closing"));
    if (this.interactive && this.#drawn) this.#write(Deno.stdout, "\n");
    this.#drawn = false;
    this.#rl.close();
    this.#queue.clear();
    this.#queue.end();
  }

  #onLine(line: string): void {
    if (this.interactive) {
      this.#drawn = false;
      this.#tidySubmitted(line);
    }
    this.#queue.push(line);
  }

  #onClose(): void {
    this.#unrouteKeys?.();
    if (!this.#closed) {
      if (this.interactive && this.#drawn) this.#write(Deno.stdout, "\n");
      this.#drawn = false;
      this.#closed = true;
      // Ctrl-D stops the running command; the end of a piped script lets it finish.
      if (this.interactive) this.#controller?.abort(new Error("the shell is closing"));
      this.#queue.end();
    }
  }

  /** Ctrl-C: stops the running command, else clears the line being typed. */
  #interrupt(): void {
    if (this.#busy && this.#controller) {
      this.#controller.abort(new Error("interrupted"));
      return;
    }
    if (this.#rl.line === "") {
      this.out("(type exit or press Ctrl-D to leave)");
      return;
    }
    this.#rl.write(null, { ctrl: true, name: "e" });
    this.#rl.write(null, { ctrl: true, name: "u" });
  }

  async #execute(line: string): Promise<void> {
    const { words, openQuote } = splitLine(line);
    if (words.length === 0) return;
    if (openQuote) {
      this.#failed = true;
      this.err(`error: unclosed ${openQuote} quote; close it and try again`);
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.#busy = true;
    const io: ShellIo = {
      out: (...lines) => this.out(...lines),
      err: (...lines) => this.err(...lines),
      signal: controller.signal,
    };
    const program = this.#commands!.program(io);
    configure(program, io);
    try {
      await program.parseAsync(words, { from: "user" });
    } catch (error) {
      const quiet = error instanceof CommanderError && QUIET_EXITS.has(error.code);
      if (!quiet) this.#failed = true;
      if (error instanceof CommanderError) {
        if (!quiet) {
          this.err(oneLineError(error.message, findCommand(commandSpecs(program), words[0])));
        }
      } else if (controller.signal.aborted) {
        this.err(`cancelled: ${words[0]}`);
      } else {
        this.err(`error: ${errorMessage(error)}`);
      }
    } finally {
      this.#busy = false;
      this.#controller = undefined;
    }
  }

  /** Completes the text before the cursor (`line`). */
  async #complete(line: string): Promise<Completion> {
    if (!this.#commands) return { matches: [], replace: "" };
    const program = this.#commands.program({
      out: () => {},
      err: () => {},
      signal: AbortSignal.abort(),
    });
    return await completeLine(line, {
      commands: commandSpecs(program),
      candidates: this.#commands.candidates,
    });
  }

  #columns(): number {
    return process.stdout.columns || DEFAULT_COLUMNS;
  }

  /** The status lines; a failing provider shows none rather than stopping the shell. */
  #statusLines(): string[] {
    try {
      return this.#commands?.status?.() ?? [];
    } catch {
      return [];
    }
  }

  /** Redraws when the status lines changed. */
  #refreshStatus(): void {
    const status = this.#statusLines().join("\n");
    if (status === this.#lastStatus) return;
    this.#render();
  }

  /** Draws the status lines and, when idle, the prompt with what was typed. */
  #render(): void {
    if (!this.interactive || this.#closed) return;
    const status = this.#statusLines();
    this.#lastStatus = status.join("\n");
    if (this.#busy && status.length === 0 && !this.#drawn) return;
    const prompt = this.#keys?.searchPrompt ?? this.#options.prompt;
    const lines = this.#busy ? [...status, ""] : [...status, prompt];
    this.#promptText = lines.join("\n");
    this.#rl.setPrompt(this.#promptText);
    this.#rl.prompt(true);
    this.#drawn = true;
  }

  /** Prints `lines` (made {@linkcode printable}) above the prompt area and redraws it. */
  #print(lines: string[], stream: typeof Deno.stdout): void {
    const text = lines.map((line) => printable(line) + "\n").join("");
    if (!this.interactive || !this.#drawn || this.#closed) {
      this.#write(stream, text);
      return;
    }
    const rows = this.#rl.getCursorPos().rows;
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
    this.#write(stream, text);
    // readline moves up as many rows as it drew last time before redrawing: make room for that.
    this.#write(Deno.stdout, "\n".repeat(rows));
    this.#rl.prompt(true);
  }

  /** Replaces the status lines and prompt of a submitted line by a plain `prompt line`. */
  #tidySubmitted(line: string): void {
    if (!this.#promptText.includes("\n")) return;
    const rows = displayRows(this.#promptText + line, this.#columns());
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
    if (!this.#busy) this.#write(Deno.stdout, this.#options.prompt + line + "\n");
    this.#promptText = this.#options.prompt;
  }

  #write(stream: typeof Deno.stdout, text: string): void {
    if (text === "") return;
    const bytes = this.#encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
  }
}

/** Makes `command` and its subcommands throw instead of exiting, and print through `io`. */
function configure(command: CommandUnknownOpts, io: ShellIo): void {
  command.exitOverride();
  command.configureOutput({
    writeOut: (text) => io.out(...text.trimEnd().split("\n")),
    writeErr: (text) => io.err(...text.trimEnd().split("\n")),
    outputError: () => {},
  });
  for (const sub of command.commands) configure(sub, io);
}
