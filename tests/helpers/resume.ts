/**
 * What the resume tests share: the journal of a downloader's verified
 * chunks read from its data folder, polling until something holds, and a
 * downloader that exits once its downloads are done.
 *
 * @module
 */

import { join } from "node:path";
import { P2pftProcess, peerArgs } from "../../scripts/process_harness.ts";

/** Bytes of one record of a download's `.chunks` journal. */
export const JOURNAL_RECORD = 4;

/** Chunks the first `.chunks` journal in `dataDir` records (0 before there is one). */
export async function journalChunks(dataDir: string): Promise<number> {
  try {
    for await (const entry of Deno.readDir(join(dataDir, "downloads"))) {
      if (entry.name.endsWith(".chunks")) {
        return (await Deno.stat(join(dataDir, "downloads", entry.name))).size / JOURNAL_RECORD;
      }
    }
  } catch {
    // Not created yet.
  }
  return 0;
}

/** Resolves once `check` does; throws, naming `what`, after `timeoutMs` (default 30 s). */
export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A downloader with `--exit-when-done`, registered with `server`. */
export function downloader(server: string, args: string[]): P2pftProcess {
  return new P2pftProcess(peerArgs(server, ["--exit-when-done", ...args]));
}
