/**
 * The keys of a terminal shell, seen before `node:readline` sees them.
 *
 * readline turns the input into `keypress` events on its input stream and
 * handles them itself; some keys need the shell instead (Tab, Ctrl-R, Ctrl-D
 * with downloads running). {@linkcode routeKeys} puts a handler in front: it
 * takes a key or passes it on. A key whose handling is asynchronous (Tab
 * asks the network for file names) holds the keys after it until it is
 * done, so that a burst such as two Tabs, or a paste with tabs in it, acts
 * key by key as if typed one at a time. {@linkcode KeyBindings} is that
 * handler for the shell.
 *
 * @module
 */

import type { Interface } from "node:readline";
import { commonPrefix, type Completion, formatCandidates, splitPartialPath } from "./completion.ts";
import { HistorySearch, type Key } from "./shell_search.ts";

/** What the handler did with a key: left it to readline, took it, or is still taking it. */
export type KeyOutcome = "pass" | "taken" | Promise<void>;

/** Decides, for each key, whether the shell takes it. */
export type KeyHandler = (text: string | undefined, key: Key) => KeyOutcome;

/** An input stream readline reads keys from. */
export interface KeySource {
  emit(event: string | symbol, ...args: unknown[]): boolean;
}

/**
 * Routes the `keypress` events of `input` through `handler` first; returns
 * the function that puts the input back as it was. A handler that throws
 * or rejects loses that key only.
 */
export function routeKeys(input: KeySource, handler: KeyHandler): () => void {
  // deno-lint-ignore no-explicit-any
  const target = input as any;
  const ownEmit = Object.hasOwn(target, "emit");
  const emit = input.emit;
  const waiting: [string | undefined, Key][] = [];
  let draining = false;
  const drain = async () => {
    draining = true;
    while (waiting.length > 0) {
      const [text, key] = waiting.shift()!;
      try {
        const outcome = handler(text, key);
        if (outcome === "pass") emit.call(input, "keypress", text, key);
        else if (outcome !== "taken") await outcome;
      } catch {
        // The key is lost; the next ones go on.
      }
    }
    draining = false;
  };
  target.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event !== "keypress") return emit.call(input, event, ...args);
    waiting.push([args[0] as string | undefined, (args[1] ?? {}) as Key]);
    if (!draining) void drain();
    return true;
  };
  return () => {
    if (ownEmit) target.emit = emit;
    else delete target.emit;
  };
}

/** What {@linkcode KeyBindings} work on: the shell's readline and a few of its doings. */
export interface KeyHost {
  /** The readline interface typed in. */
  rl: Interface;
  /** True while a command runs in the foreground (no prompt shown). */
  busy(): boolean;
  /** Completes the text before the cursor. */
  complete(line: string): Promise<Completion>;
  /** What to ask before Ctrl-D leaves; `undefined` to leave at once. */
  leaveQuestion(): string | undefined;
  /** Prints result lines above the prompt. */
  out(...lines: string[]): void;
  /** Prints notes above the prompt. */
  err(...lines: string[]): void;
  /** Redraws the prompt, reading {@linkcode KeyBindings.searchPrompt}. */
  render(): void;
  /** Width of the terminal. */
  columns(): number;
}

/**
 * The keys the shell takes from readline: Tab (complete, twice in a row to
 * list), Ctrl-R and the keys of the search it starts, Ctrl-D on an empty
 * line when leaving would stop work (asked first; Ctrl-D again or `y` leaves).
 */
export class KeyBindings {
  #host: KeyHost;
  /** Commands typed, newest first, as readline keeps them. */
  #history: string[] = [];
  #search: HistorySearch | undefined;
  #askedToLeave = false;
  /** The text before the cursor at the last Tab, while no other key came since. */
  #lastTab: string | undefined;

  /** Binds the keys of `host`. */
  constructor(host: KeyHost) {
    this.#host = host;
    host.rl.on("history", (history: string[]) => this.#history = history);
  }

  /** The prompt while a history search runs (it replaces the shell's own). */
  get searchPrompt(): string | undefined {
    return this.#search?.prompt();
  }

  /** Handles `key` (typing `text`), or passes it to readline. */
  key(text: string | undefined, key: Key): KeyOutcome {
    if (this.#search) return this.#searchKey(text, key);
    const tab = key.name === "tab" && !key.ctrl && !key.meta;
    if (!tab) this.#lastTab = undefined;
    if (this.#askedToLeave) return this.#answerLeave(text, key);
    if (tab) return this.#tab();
    if (key.ctrl && key.name === "r" && !this.#host.busy()) {
      this.#search = new HistorySearch(this.#history, this.#host.rl.line);
      this.#host.render();
      return "taken";
    }
    if (key.ctrl && key.name === "d" && this.#host.rl.line === "") {
      const question = this.#host.leaveQuestion();
      if (question === undefined) return "pass";
      this.#askedToLeave = true;
      this.#host.err(question);
      return "taken";
    }
    return "pass";
  }

  /** The key after Ctrl-D asked: Ctrl-D again or `y` leaves, `n` stays, others stay and act. */
  #answerLeave(text: string | undefined, key: Key): KeyOutcome {
    this.#askedToLeave = false;
    if ((key.ctrl && key.name === "d") || text === "y" || text === "Y") {
      this.#host.rl.close();
      return "taken";
    }
    this.#host.out("staying");
    return text === "n" || text === "N" ? "taken" : "pass";
  }

  /**
   * A key during Ctrl-R: the search shows its prompt and the command found,
   * or ends; a key that ends it without Enter or Esc then does what it does.
   */
  #searchKey(text: string | undefined, key: Key): KeyOutcome {
    const step = this.#search!.key(text, key);
    if (step.kind === "done") this.#search = undefined;
    this.#host.render();
    this.#setLine(step.line);
    if (step.kind === "search") return "taken";
    if (step.run) return "pass";
    return step.pass ? this.key(text, key) : "taken";
  }

  /** Replaces the line being typed by `line`, the cursor at its end. */
  #setLine(line: string): void {
    const { rl } = this.#host;
    rl.write(null, { ctrl: true, name: "e" });
    rl.write(null, { ctrl: true, name: "u" });
    rl.write(line);
  }

  /** Tab: completes the word before the cursor as far as the candidates agree; lists them on a second Tab. */
  async #tab(): Promise<void> {
    const { rl } = this.#host;
    const line = rl.line.slice(0, rl.cursor);
    const { matches, replace, listing } = await this.#host.complete(line);
    const again = this.#lastTab === line;
    this.#lastTab = undefined;
    if (matches.length === 0 || rl.line.slice(0, rl.cursor) !== line) return;
    const prefix = matches.length === 1 ? matches[0] : commonPrefix(matches);
    if (prefix.length > replace.length) {
      rl.write(prefix.slice(replace.length));
      if (matches.length > 1) this.#lastTab = line + prefix.slice(replace.length);
      return;
    }
    if (again) {
      const folder = splitPartialPath(replace).folder.length;
      const words = matches.map((match) => match.slice(folder));
      this.#host.out(...(listing ?? formatCandidates(words, this.#host.columns())));
    }
    this.#lastTab = line;
  }
}
