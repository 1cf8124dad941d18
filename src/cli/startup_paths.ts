/**
 * The paths a peer's command line names, checked before anything starts
 * (no server is dialled, nothing is hashed): each `-r` path must exist, and
 * `-o` must be a folder or nothing yet. Errors show the absolute path, and
 * a close name in the same folder when there is one.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { closeName } from "../peer/file_query.ts";

/** Throws a clear error for the first path of `register` that does not exist, or for `out`. */
export async function checkStartupPaths(
  options: { register: string[]; out: string },
  cwd: string = Deno.cwd(),
): Promise<void> {
  for (const path of options.register) await checkRegisterPath(resolve(cwd, path));
  await checkOutFolder(resolve(cwd, options.out));
}

async function checkRegisterPath(absolute: string): Promise<void> {
  if (await exists(absolute)) return;
  const folder = dirname(absolute);
  const names = await listNames(folder);
  if (names === undefined) {
    throw new Error(`cannot register ${absolute}: no such file or folder (no folder ${folder})`);
  }
  const close = closeName(names, basename(absolute));
  throw new Error(
    `cannot register ${absolute}: no such file or folder` +
      (close === undefined ? "" : `; did you mean ${join(folder, close)}?`),
  );
}

async function checkOutFolder(absolute: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(absolute);
  } catch {
    return;
  }
  if (!info.isDirectory) {
    throw new Error(
      `cannot save downloads in ${absolute}: it is a file, not a folder; ` +
        `give -o a folder (made if missing)`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function listNames(folder: string): Promise<string[] | undefined> {
  try {
    return await Array.fromAsync(Deno.readDir(folder), (entry) => entry.name);
  } catch {
    return undefined;
  }
}
