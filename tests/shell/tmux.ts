/**
 * A real terminal for shell tests: a detached tmux session running a p2pft
 * command, driven with `send-keys` and read with `capture-pane`.
 *
 * @module
 */

import { p2pftArgs } from "../helpers/cluster.ts";

const TMUX = "tmux";
const COLUMNS = 200;
const ROWS = 50;
/** Default time a test waits for the screen to show something. */
const SCREEN_TIMEOUT_MS = 15_000;
const POLL_MS = 100;
/** How long the pane stays open after the command exits, so its exit code can be read. */
const LINGER_SECONDS = 30;

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

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

async function tmux(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(TMUX, { args }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(stderr)}`);
  return text;
}

/** A p2pft process in its own tmux session. */
export class TmuxP2pft {
  /** The unique session name. */
  readonly name = `p2pft-test-${crypto.randomUUID().slice(0, 8)}`;

  private constructor() {}

  /** Starts `p2pft <args>` in `cwd` in a new 200x50 session; the pane prints `EXIT=<code>` at the end. */
  static async start(args: string[], options: { cwd: string }): Promise<TmuxP2pft> {
    const session = new TmuxP2pft();
    const command = [Deno.execPath(), ...p2pftArgs(args)].map(quote).join(" ");
    const script = `cd ${quote(options.cwd)} && NO_COLOR=1 ${command}; ` +
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

  /** Waits until `check(screen)` is true; throws with the screen after `timeoutMs`. */
  async waitFor(
    check: RegExp | ((screen: string) => boolean),
    timeoutMs = SCREEN_TIMEOUT_MS,
  ): Promise<string> {
    const test = check instanceof RegExp ? (text: string) => check.test(text) : check;
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.screen();
      if (test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error(`the screen never matched ${check} within ${timeoutMs} ms:\n${screen}`);
  }

  /** Waits until the last line is exactly `line` (trailing blanks ignored). */
  async waitForLastLine(line: string, timeoutMs = SCREEN_TIMEOUT_MS): Promise<string> {
    return await this.waitFor(
      (screen) => (screen.split("\n").pop() ?? "").trimEnd() === line.trimEnd(),
      timeoutMs,
    );
  }

  /** Kills the session (and the process in it). */
  async kill(): Promise<void> {
    await tmux(["kill-session", "-t", this.name]).catch(() => {});
  }
}
