/**
 * What a `deno task bench` run leaves behind and its removal: the scratch
 * folders it makes, and at the end, on error or on Ctrl-C, every process it
 * started, the shaped scenario's namespaces and those folders (unless
 * `--keep`).
 *
 * @module
 */

import { deleteOwnNamespaces } from "./netns.ts";
import { TMPFS } from "./bench_options.ts";
import { stopAll } from "./process_harness.ts";

/** Exit code after Ctrl-C (128 + SIGINT). */
const INTERRUPTED_EXIT_CODE = 130;

/** Folders to delete at the end, also on error or Ctrl-C. */
const scratch: string[] = [];

/** Folders this run created to hold scratch folders: deleted at the end if empty. */
const scratchParents: string[] = [];

/**
 * Makes the run's work folder on tmpfs and its folder inside `diskDir`
 * (made too if missing), both deleted by {@linkcode cleanUp}.
 */
export async function makeScratch(diskDir: string): Promise<{ work: string; disk: string }> {
  const diskDirExisted = await Deno.stat(diskDir).then(() => true, () => false);
  await Deno.mkdir(diskDir, { recursive: true });
  if (!diskDirExisted) scratchParents.push(diskDir);
  const work = await Deno.makeTempDir({ dir: TMPFS, prefix: "p2pft-bench-" });
  scratch.push(work);
  const disk = await Deno.makeTempDir({ dir: diskDir, prefix: "run-" });
  scratch.push(disk);
  return { work, disk };
}

/** Stops every process and deletes the namespaces and, unless `keep`, the scratch folders. */
export async function cleanUp(keep: boolean): Promise<void> {
  await stopAll();
  // The shaped scenario's LAN, when an interrupt ends the run before it is disposed.
  await deleteOwnNamespaces().catch(() => {});
  if (keep) {
    if (scratch.length) console.log(`kept: ${scratch.join(", ")}`);
    return;
  }
  for (const dir of scratch.splice(0)) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  for (const dir of scratchParents.splice(0)) await Deno.remove(dir).catch(() => {});
}

/** Cleans up (see {@linkcode cleanUp}) and exits on SIGINT or SIGTERM. */
export function onInterrupt(keep: boolean): void {
  const handler = () => {
    console.error("\ninterrupted: stopping every process and deleting the data");
    cleanUp(keep).finally(() => Deno.exit(INTERRUPTED_EXIT_CODE));
  };
  Deno.addSignalListener("SIGINT", handler);
  Deno.addSignalListener("SIGTERM", handler);
}
