/**
 * Where a download lands. A name from a (possibly malicious) manifest
 * becomes a safe file name (no path separators, no `..`, no control or bidi
 * characters, no hidden or reserved Windows names, room left for a copy
 * number and `.part`); every path built from it is checked to lie directly
 * inside the download folder; an existing file is never overwritten (a
 * numbered name is used instead) and one that already has the content is
 * found; the file grows under `<name>.part`.
 *
 * @module
 */

import { basename, dirname, extname, resolve } from "node:path";
import { MAX_FILE_NAME_BYTES } from "../constants.ts";
import { PART_SUFFIX } from "./constants.ts";
import { UNPRINTABLE_CLASS } from "../printable.ts";
import { hashFile } from "./hash_file.ts";

/** Control, bidi and separator characters, and those Windows forbids in names. */
const UNSAFE_CLASS = `${UNPRINTABLE_CLASS}<>:"/\\\\|?*`;
const UNSAFE_CHARACTERS = new RegExp(`[${UNSAFE_CLASS}]`, "g");
/**
 * Names Windows reserves for devices, whatever the extension (and spaces
 * before it): superscript digits count as digits there, and the console has
 * `CONIN$` and `CONOUT$`.
 */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³]) *(\..*)?$/i;
const FALLBACK_NAME = "download";

/** True when Windows reserves `name` for a device (`CON`, `nul.txt`, `COM¹`, ...). */
export function isReservedWindowsName(name: string): boolean {
  return WINDOWS_RESERVED.test(name);
}

/** Characters never allowed in a name: controls, bidi controls, separators, what Windows forbids. */
export const UNSAFE_NAME_CHARACTERS = new RegExp(`[${UNSAFE_CLASS}]`);
const MAX_COPIES = 10_000;
/** An extension longer than this (in bytes) is cut as part of the name, not kept whole. */
const MAX_EXTENSION_BYTES = 32;

/**
 * The longest a download adds to a sanitized name: a copy number and the
 * `.part` suffix, as in `name (9999).part`. Names are cut to leave room for it.
 */
export const NAME_SUFFIX_BYTES = utf8Length(` (${MAX_COPIES - 1})${PART_SUFFIX}`);

/**
 * A file name safe on every OS for the manifest name `name`: only its last
 * path component is kept, unsafe characters (controls, bidi controls,
 * separators, what Windows forbids) become `_`, leading dots (a hidden file)
 * become `_`, reserved device names get a `_` prefix, and the name is cut at
 * a character boundary so that it fits {@linkcode MAX_FILE_NAME_BYTES} with
 * {@linkcode NAME_SUFFIX_BYTES} to spare. Never empty, never `.` or `..`.
 */
export function sanitizeFileName(name: string): string {
  const lastComponent = name.toWellFormed().split(/[/\\]/).filter((part) => part.length > 0)
    .pop() ?? "";
  let safe = withoutTrailingDots(lastComponent.replace(UNSAFE_CHARACTERS, "_"));
  if (safe === "" || /^\.+$/.test(safe)) return FALLBACK_NAME;
  safe = safe.replace(/^\.+/, (dots) => "_".repeat(dots.length));
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`;
  return withoutTrailingDots(cutUtf8Name(safe, MAX_FILE_NAME_BYTES - NAME_SUFFIX_BYTES));
}

/** `name` trimmed, without the trailing dots and spaces Windows drops. */
function withoutTrailingDots(name: string): string {
  return name.replace(/[. ]+$/, "").trim();
}

/** `name` cut to at most `maxBytes` of UTF-8, keeping a short extension whole. */
function cutUtf8Name(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  let extension = extname(name);
  if (utf8Length(extension) > MAX_EXTENSION_BYTES) extension = "";
  const stem = name.slice(0, name.length - extension.length);
  return cutUtf8(stem, maxBytes - utf8Length(extension)) + extension;
}

/** The longest start of `text` that takes at most `maxBytes` in UTF-8, cut between characters. */
function cutUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    bytes += utf8Length(char);
    if (bytes > maxBytes) break;
    end += char.length;
  }
  return text.slice(0, end);
}

/** Bytes `text` takes in UTF-8. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
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
