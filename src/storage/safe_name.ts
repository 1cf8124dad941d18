/**
 * Where a download lands. A name from a (possibly malicious) manifest
 * becomes a safe file name (no path separators, no `..`, no control
 * characters, no reserved Windows names, bounded length); every path built
 * from it is checked to lie directly inside the download folder; an existing
 * file is never overwritten (a numbered name is used instead) and one that
 * already has the content is found; the file grows under `<name>.part`.
 *
 * @module
 */

import { basename, dirname, extname, resolve } from "node:path";
import { MAX_FILE_NAME_BYTES, PART_SUFFIX } from "../constants.ts";
import { hashFile } from "./hash_file.ts";

// deno-lint-ignore no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f<>:"/\\|?*]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const FALLBACK_NAME = "download";
const MAX_COPIES = 10_000;

/**
 * A file name safe on every OS for the manifest name `name`: only its last
 * path component is kept, unsafe characters become `_`, and names that
 * would still be dangerous get a prefix. Never empty, never `.` or `..`.
 */
export function sanitizeFileName(name: string): string {
  const lastComponent = name.split(/[/\\]/).filter((part) => part.length > 0).pop() ?? "";
  let safe = lastComponent.replace(UNSAFE_CHARACTERS, "_").replace(/[. ]+$/, "").trim();
  if (safe === "" || /^\.+$/.test(safe)) safe = FALLBACK_NAME;
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`;
  return truncateUtf8(safe, MAX_FILE_NAME_BYTES);
}

function truncateUtf8(name: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(name).length <= maxBytes) return name;
  const extension = extname(name).slice(0, maxBytes / 4);
  let stem = name.slice(0, name.length - extension.length);
  while (encoder.encode(stem + extension).length > maxBytes) stem = [...stem].slice(0, -1).join("");
  return stem + extension;
}

/**
 * The absolute path of `name` inside `dir`. Throws when the result would
 * not be directly inside `dir`, which a sanitized name never is: the guard
 * behind "a download never lands outside its folder".
 */
export function resolveInside(dir: string, name: string): string {
  const base = resolve(dir);
  const target = resolve(base, name);
  if (target === base || dirname(target) !== base || basename(target) !== name) {
    throw new Error(`refusing to write "${name}": it would land outside ${base}`);
  }
  return target;
}

/** `name` with ` (n)` before its extension: `a.txt` -> `a (2).txt`. */
export function numberedName(name: string, copy: number): string {
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  return `${stem} (${copy})${extension}`;
}

/**
 * Candidate final paths for `name` in `dir`, in order of preference: the
 * name itself, then `name (1)`, `name (2)`, ... Used to avoid overwriting.
 */
export function* candidatePaths(dir: string, name: string): Generator<string> {
  yield resolveInside(dir, name);
  for (let copy = 1; copy < MAX_COPIES; copy++) {
    yield resolveInside(dir, numberedName(name, copy));
  }
}

/** The `.part` file a download into `finalPath` grows in, beside it. */
export function partPath(finalPath: string): string {
  return resolveInside(dirname(finalPath), basename(finalPath) + PART_SUFFIX);
}

/** True when something (a file, folder or link) is at `path`; throws on errors other than absence. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The first candidate path for `name` in `dir` with nothing there yet. */
export async function freePath(dir: string, name: string): Promise<string> {
  for (const path of candidatePaths(dir, name)) {
    if (!await pathExists(path)) return path;
  }
  throw new Error(`too many files named like ${name} in ${dir}`);
}

/**
 * A file among the candidate paths for `name` in `dir` (up to the first
 * free one) whose content is the file `fileId`: same size, then the same
 * ID once hashed with `chunkSize`. `undefined` when there is none.
 */
export async function findPresent(
  dir: string,
  name: string,
  file: { fileId: string; size: number; chunkSize: number },
): Promise<string | undefined> {
  for (const path of candidatePaths(dir, name)) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch {
      return undefined;
    }
    if (!info.isFile || info.size !== file.size) continue;
    const hashed = await hashFile(path, { chunkSize: file.chunkSize });
    if (hashed.fileId === file.fileId) return path;
  }
  return undefined;
}
