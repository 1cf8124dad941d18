/**
 * p2pft: peer-to-peer file transfer. Entry point of the `p2pft` executable.
 *
 * @module
 */

import { enterCallerFolder } from "./src/cli/caller_folder.ts";
import { runCli } from "./src/cli/mod.ts";
import { printable } from "./src/printable.ts";

if (import.meta.main) {
  try {
    enterCallerFolder();
    await runCli(Deno.args);
  } catch (error) {
    console.error(`p2pft: ${printable(error instanceof Error ? error.message : String(error))}`);
    Deno.exit(1);
  }
}
