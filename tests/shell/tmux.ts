/**
 * A real terminal for shell tests: a detached tmux session running a p2pft
 * command, driven with `send-keys` and read with `capture-pane`.
 *
 * @module
 */

import { p2pftArgs, p2pftEnv } from "../../scripts/process_harness.ts";

const TMUX = "tmux";
const COLUMNS = 200;
const ROWS = 50;
/** Default time a test waits for the screen to show something. */
const SCREEN_TIMEOUT_MS = 15_000;
const POLL_MS = 100;
/** How long the pane stays open after the command exits, so its exit code can be read. */
const LINGER_SECONDS = 30;
/** Longest wait for the pane's processes to end once the session is killed. */
const KILL_WAIT_MS = 5_000;

/** True when tmux can be run here; the terminal tests skip (and say so) otherwise. */
export const HAS_TMUX = (() => {
  try {
    return new Deno.Command(TMUX, { args: ["-V"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();
if (!HAS_TMUX) console.log("terminal tests skipped: tmux is not installed (apt-get install tmux)");

/** Whether process `pid` still exists. */
function isAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

async function tmux(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(TMUX, { args }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(stderr)}`);
  return text;
}

/** Where the screen stood at some moment: see {@linkcode TmuxP2pft.mark}. */
export interface ScreenMark {
  /** Index of the line the cursor was on. */
  line: number;
}

/** Options of {@linkcode TmuxP2pft.waitFor}. */
export interface ScreenWaitOptions {
  /** Longest wait; default 15 s. */
  timeoutMs?: number;
  /** Look only at the lines from this mark on (the line it was taken on included). */
  after?: ScreenMark;
}

/** A p2pft process in its own tmux session; disposing of it kills the session. */
export class TmuxP2pft implements AsyncDisposable {
  /** The unique session name. */
  readonly name = `p2pft-test-${crypto.randomUUID().slice(0, 8)}`;

  private constructor() {}

  /** Starts `p2pft <args>` in `cwd` in a new 200x50 session; the pane prints `EXIT=<code>` at the end. */
  static async start(args: string[], options: { cwd: string }): Promise<TmuxP2pft> {
    const session = new TmuxP2pft();
    const command = [Deno.execPath(), ...p2pftArgs(args)].map(quote).join(" ");
    // In the command line: a tmux server started earlier keeps its own environment.
    const env = Object.entries({ NO_COLOR: "1", ...p2pftEnv() })
      .map(([name, value]) => `${name}=${quote(value)}`).join(" ");
    const script = `cd ${quote(options.cwd)} && ${env} ${command}; ` +
      `echo EXIT=$?; sleep ${LINGER_SECONDS}`;
    await tmux([
      "new-session",
      "-d",
      "-s",
      session.name,
      "-x",
      String(COLUMNS),
      "-y",
      String(ROWS),
      script,
    ]);
    return session;
  }

  /** Sends tmux keys (`Tab`, `Enter`, `Up`, `C-c`, `C-d`, or literal text with `literal`). */
  async keys(...keys: string[]): Promise<void> {
    await tmux(["send-keys", "-t", this.name, ...keys]);
  }

  /** Types `text` literally. */
  async type(text: string): Promise<void> {
    await tmux(["send-keys", "-t", this.name, "-l", text]);
  }

  /** The screen and scrollback, trailing blank lines dropped. */
  async screen(): Promise<string> {
    return (await tmux(["capture-pane", "-p", "-J", "-S", "-", "-t", this.name])).trimEnd();
  }

  /** The last non-empty line on screen (where the prompt is). */
  async lastLine(): Promise<string> {
    const lines = (await this.screen()).split("\n");
    return lines[lines.length - 1];
  }

  /**
   * Marks where the screen stands now, so that a later {@linkcode waitFor}
   * can ignore what was printed before (an earlier line that would match too).
   */
  async mark(): Promise<ScreenMark> {
    return { line: (await this.screen()).split("\n").length - 1 };
  }

  /** Waits until `check(screen)` is true; throws with the screen after the timeout. */
  async waitFor(
    check: RegExp | ((screen: string) => boolean),
    options: ScreenWaitOptions = {},
  ): Promise<string> {
    const test = check instanceof RegExp ? (text: string) => check.test(text) : check;
    const timeoutMs = options.timeoutMs ?? SCREEN_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = (await this.screen()).split("\n").slice(options.after?.line ?? 0).join("\n");
      if (test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const where = options.after ? ` from line ${options.after.line}` : "";
    throw new Error(`the screen never matched ${check}${where} within ${timeoutMs} ms:\n${screen}`);
  }

  /** Waits until the last line is exactly `line` (trailing blanks ignored). */
  async waitForLastLine(line: string, timeoutMs = SCREEN_TIMEOUT_MS): Promise<string> {
    return await this.waitFor(
      (screen) => (screen.split("\n").pop() ?? "").trimEnd() === line.trimEnd(),
      { timeoutMs },
    );
  }

  /** Kills the session, and waits (a few seconds at most) for the processes in it to end. */
  async kill(): Promise<void> {
    const pids = await this.#paneProcesses().catch(() => []);
    await tmux(["kill-session", "-t", this.name]).catch(() => {});
    const deadline = Date.now() + KILL_WAIT_MS;
    while (pids.some(isAlive) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** The pane's shell and its children (the p2pft process, or the linger `sleep`). */
  async #paneProcesses(): Promise<number[]> {
    const shell = Number(
      (await tmux(["display-message", "-p", "-t", this.name, "#{pane_pid}"])).trim(),
    );
    const children = Deno.readTextFileSync(`/proc/${shell}/task/${shell}/children`);
    return [shell, ...children.split(/\s+/).filter((pid) => pid !== "").map(Number)];
  }

  /** Kills the session: `await using` leaves no session behind, even on failure. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}
