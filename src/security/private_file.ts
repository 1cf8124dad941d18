/**
 * Files that hold secrets (private keys, the network key) or trust decisions
 * (pinned server identities): readable by their owner only, and replaced
 * atomically so that a crash leaves the old file or the new one, never half
 * of a key.
 *
 * @module
 */

import { dirname } from "node:path";

/** Permissions of every file written here: read and write for the owner only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Writes `text` to `path` atomically with mode 0600: a new temporary file
 * beside it (created 0600, so the secret is never readable by others even
 * for a moment), flushed, renamed over `path`, then the folder flushed so
 * the rename survives a power loss. The folder must exist. Callers that can
 * race with another process on the same folder hold that folder's lock.
 */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text, { createNew: true, mode: PRIVATE_FILE_MODE });
    await flush(temporary, { write: true });
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  if (Deno.build.os !== "windows") await flush(dirname(path), { read: true });
}

/** Flushes a file (opened for writing, as Windows needs) or a folder (read-only, as POSIX needs). */
async function flush(path: string, access: { read: true } | { write: true }): Promise<void> {
  const file = await Deno.open(path, access);
  try {
    await file.sync();
  } finally {
    file.close();
  }
}

/** Reads a text file, or `undefined` when it does not exist. */
export async function readTextFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
