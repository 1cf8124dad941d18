/**
 * Turning a name from a (possibly malicious) manifest into a safe file name
 * inside the download folder: no path separators, no `..`, no control
 * characters, no reserved Windows names, bounded length.
 *
 * @module
 */

import { extname, join, resolve, sep } from "node:path";
import { MAX_FILE_NAME_BYTES } from "../constants.ts";

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
 * not be directly inside `dir`, which a sanitized name never is.
 */
export function resolveInside(dir: string, name: string): string {
  const base = resolve(dir);
  const target = resolve(base, name);
  if (!target.startsWith(base + sep) || target.slice(base.length + 1).includes(sep)) {
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Candidate final paths for `name` in `dir`, in order of preference: the
 * name itself, then `name (1)`, `name (2)`, ... Used to avoid overwriting.
 */
export function* candidatePaths(dir: string, name: string): Generator<string> {
  yield join(dir, name);
  for (let copy = 1; copy < MAX_COPIES; copy++) yield join(dir, numberedName(name, copy));
}

/** The first candidate path for `name` in `dir` that does not exist yet. */
export async function freePath(dir: string, name: string): Promise<string> {
  for (const path of candidatePaths(dir, name)) {
    if (!await exists(path)) return path;
  }
  throw new Error(`${MAX_COPIES} files named like "${name}" already exist in ${dir}`);
}
