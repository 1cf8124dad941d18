/**
 * What a failed `deno compile` printed, read: whether it could not obtain
 * its base runtime (`denort`, downloaded from Deno's server), and the line
 * that tells why.
 *
 * @module
 */

import type { Target } from "./compile_targets.ts";

/**
 * Tells whether `deno compile` output shows that it could not obtain its base
 * runtime (`denort`): the download from Deno's server failed, or stalled until
 * the time limit (`timedOut`).
 */
export function isBaseRuntimeFailure(output: string, timedOut = false): boolean {
  const text = stripAnsi(output);
  if (/Setting up base binary|denort-[\w-]+\.zip|Could not find denort/i.test(text)) return true;
  return timedOut && /Download https?:\/\/dl\.deno\.land\//.test(text);
}

/**
 * The most telling line of a failed `deno compile`: the network error when
 * there is one (`error sending request for url (...): ... dns error: ...`),
 * otherwise its first `error:` line, otherwise its first non-empty line.
 */
export function firstErrorLine(output: string): string {
  const lines = stripAnsi(output).split(/\r?\n/).map((line) => line.trim()).filter((l) => l);
  const cause = lines.find((line) =>
    /error sending request|Could not find denort|dns error|connection refused/i.test(line)
  );
  if (cause !== undefined) return cause.replace(/^\d+:\s*/, "");
  return lines.find((line) => line.startsWith("error:")) ?? lines[0] ?? "(no output)";
}

/** One-line explanation of a base-runtime failure for `target`. */
export function baseRuntimeMessage(target: Target, detail: string): string {
  return `could not download the deno runtime base for ${target.triple}: no internet access? (${detail})`;
}

// deno-lint-ignore no-control-regex
const ANSI_PATTERN = /\x1b\[[0-9;?]*[ -\/]*[@-~]/g;

function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}
