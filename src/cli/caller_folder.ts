/**
 * The folder relative paths are resolved against. `deno task p2pft` runs
 * the program in the checkout's folder, not the one it was typed in; the
 * task passes that one on (Deno sets `INIT_CWD` for tasks) in
 * {@linkcode CALLER_FOLDER_VARIABLE}, and the program moves there before
 * anything reads a path: `-r`, `-o`, `--data-dir`, `--key-file` and the
 * paths typed in the shell then mean what they mean to the user. The
 * variable is the task's own rather than `INIT_CWD` itself, which other
 * tasks (`deno task test`) leave behind for every process they start.
 *
 * @module
 */

import { errorMessage } from "../log.ts";

/** The variable `deno task p2pft` sets to the folder the task was run from. */
export const CALLER_FOLDER_VARIABLE = "P2PFT_CWD";

/**
 * Moves to the folder named by {@linkcode CALLER_FOLDER_VARIABLE}, when set;
 * returns it. Throws, saying which folder, when it cannot.
 */
export function enterCallerFolder(
  options: {
    env?: (name: string) => string | undefined;
    chdir?: (folder: string) => void;
  } = {},
): string | undefined {
  const folder = (options.env ?? ((name) => Deno.env.get(name)))(CALLER_FOLDER_VARIABLE);
  if (folder === undefined || folder === "") return undefined;
  try {
    (options.chdir ?? Deno.chdir)(folder);
  } catch (error) {
    throw new Error(
      `cannot work in ${folder}, the folder given in ${CALLER_FOLDER_VARIABLE} ` +
        `(${errorMessage(error)}); ` +
        "run p2pft from a folder that exists",
    );
  }
  return folder;
}
