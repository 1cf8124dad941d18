/**
 * Installs the `p2pft` command with `deno install --global`.
 *
 * ```sh
 * deno task install                 # into ~/.deno/bin (or $DENO_INSTALL_ROOT/bin)
 * deno task install --root ~/.local # into ~/.local/bin
 * ```
 *
 * The command is a small script that runs this checkout's `main.ts` with
 * the permissions the executables get (`PERMISSION_FLAGS` of
 * scripts/compile_targets.ts) and the checkout's `deno.json` and lock file, copied
 * beside it. It runs in the folder it is typed in, so relative paths are the
 * user's. Keep the checkout where it is; run the task again to replace an
 * earlier install (after a change of dependencies, say).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { enterCallerFolder } from "../src/cli/caller_folder.ts";
import { ENTRY_POINT, PERMISSION_FLAGS, REPO_ROOT } from "./compile_targets.ts";

/** Name of the installed command. */
export const COMMAND_NAME = "p2pft";

/**
 * Arguments of `deno` that install the command from the checkout at
 * `repo`, into `root` when given (else Deno's default root).
 */
export function installArgs(repo: string, options: { root?: string } = {}): string[] {
  return [
    "install",
    "--global",
    "--force",
    ...PERMISSION_FLAGS,
    "--name",
    COMMAND_NAME,
    "--config",
    join(repo, "deno.json"),
    ...(options.root === undefined ? [] : ["--root", options.root]),
    join(repo, ENTRY_POINT),
  ];
}

const USAGE = `Usage: deno task install [--root <dir>]

Installs the p2pft command (a script running this checkout's main.ts) with
deno install --global, replacing an earlier one.

  --root  installation root: the command goes into <dir>/bin
          (default: $DENO_INSTALL_ROOT, else ~/.deno)`;

async function main(args: string[]): Promise<number> {
  let root: string | undefined;
  try {
    enterCallerFolder();
    const { values } = parseArgs({
      args,
      options: { root: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    root = values.root === undefined ? undefined : resolve(values.root);
  } catch (error) {
    console.error(`install: ${error instanceof Error ? error.message : String(error)}`);
    console.error(USAGE);
    return 2;
  }
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: installArgs(REPO_ROOT, { root }),
    stdin: "null",
  }).spawn().status;
  return code;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
