/**
 * Reverse incremental history search (Ctrl-R), as bash and readline do it:
 * each character typed narrows the search to the newest command holding
 * the text so far, Ctrl-R again goes to an older one, Enter runs the command
 * found, Esc or Ctrl-G gives the line back as it was, and any other key
 * (an arrow, Home, End, Tab...) keeps the command found for editing and then
 * does what it does. Pure: the shell draws the prompt and line it says.
 *
 * @module
 */

/** A key as `node:readline` reports it. */
export interface Key {
  /** The key's name: `a`, `r`, `return`, `escape`, `left`... */
  name?: string;
  /** The characters the terminal sent. */
  sequence?: string;
  /** Control held. */
  ctrl?: boolean;
  /** Meta (Alt) held. */
  meta?: boolean;
  /** Shift held. */
  shift?: boolean;
}

/** What a key did to the search. */
export type SearchStep =
  /** The query or the command found changed: draw {@linkcode HistorySearch.prompt} and `line`. */
  | { kind: "search"; line: string }
  /** The search ended with `line` in the editor; `run` submits it, `pass` hands the key on. */
  | { kind: "done"; line: string; run: boolean; pass: boolean };

/** Keys that give the line back as it was before the search. */
const CANCEL_KEYS = new Set(["escape"]);
const CANCEL_CTRL_KEYS = new Set(["g", "c"]);

/** One reverse search through `history` (newest command first). */
export class HistorySearch {
  /** The text searched for. */
  query = "";
  readonly #history: readonly string[];
  readonly #original: string;
  /** Index in the history of the command found; -1 before any. */
  #found = -1;
  #failed = false;

  /** Starts a search, `original` being the line typed before Ctrl-R. */
  constructor(history: readonly string[], original: string) {
    this.#history = history;
    this.#original = original;
  }

  /** The command found so far, or the line typed before the search. */
  get line(): string {
    return this.#found < 0 ? this.#original : this.#history[this.#found];
  }

  /** The prompt shown while searching, as bash shows it. */
  prompt(): string {
    return `(${this.#failed ? "failed " : ""}reverse-i-search)'${this.query}': `;
  }

  /** What key `key` (typing `text`) does. */
  key(text: string | undefined, key: Key): SearchStep {
    if (key.ctrl && key.name === "r") return this.#search(this.#found + 1);
    if (CANCEL_KEYS.has(key.name ?? "") || (key.ctrl && CANCEL_CTRL_KEYS.has(key.name ?? ""))) {
      return { kind: "done", line: this.#original, run: false, pass: false };
    }
    if (!key.ctrl && !key.meta && (key.name === "return" || key.name === "enter")) {
      return { kind: "done", line: this.line, run: true, pass: false };
    }
    if (!key.ctrl && !key.meta && key.name === "backspace") {
      this.query = this.query.slice(0, -1);
      this.#found = -1;
      return this.#search(0);
    }
    if (!key.ctrl && !key.meta && text !== undefined && isPrintable(text)) {
      this.query += text;
      return this.#search(Math.max(this.#found, 0));
    }
    return { kind: "done", line: this.line, run: false, pass: true };
  }

  /** Finds the newest command from index `from` on holding the query; keeps the last one if none. */
  #search(from: number): SearchStep {
    const index = this.#history.findIndex((line, i) => i >= from && line.includes(this.query));
    this.#failed = index < 0 && this.query !== "";
    if (index >= 0) this.#found = index;
    return { kind: "search", line: this.line };
  }
}

/** True for text with no control characters (what a typed or pasted character looks like). */
function isPrintable(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return text !== "" && !/[\x00-\x1f\x7f]/.test(text);
}
