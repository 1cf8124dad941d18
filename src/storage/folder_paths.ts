/**
 * The rules every path of a folder manifest must follow before any is used,
 * in one place: a manifest from the network that breaks one is refused with
 * a message naming the bad entry. The paths are relative, `/`-separated,
 * made of names that are safe on every OS, listed once in byte order, and
 * no two of them (or of the folders they imply) collide on a file system
 * that ignores case or Unicode normalisation.
 *
 * @module
 */

import { MAX_FILE_NAME_BYTES, MAX_FOLDER_DEPTH, MAX_FOLDER_ENTRIES } from "../constants.ts";
import type { FolderEntry } from "../protocol/messages.ts";
import { printable } from "../printable.ts";
import { isReservedWindowsName, UNSAFE_NAME_CHARACTERS, utf8Length } from "./safe_name.ts";

/** A folder manifest whose paths break a rule; the message names the entry. */
export class FolderPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FolderPathError";
  }
}

const encoder = new TextEncoder();

/** Orders strings by their UTF-8 bytes, the order of a folder manifest's entries. */
export function compareUtf8(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The key two names collide under on a case-insensitive, normalising file system. */
function foldKey(path: string): string {
  return path.normalize("NFC").toLowerCase().normalize("NFC");
}

/** Throws {@linkcode FolderPathError} when `name`, one segment of `path`, is not safe. */
function checkName(name: string, path: string): void {
  const bad = (why: string) => new FolderPathError(`refusing entry "${show(path)}": ${why}`);
  if (name === "") throw bad("it has an empty segment (a leading, trailing or double /)");
  if (name === "." || name === "..") throw bad(`it has a "${name}" segment`);
  if (UNSAFE_NAME_CHARACTERS.test(name)) {
    throw bad("a name holds a separator, a control character or one Windows forbids");
  }
  if (isReservedWindowsName(name)) throw bad(`"${show(name)}" is a name Windows reserves`);
  if (/[. ]$/.test(name)) throw bad("a name ends in a dot or space, which Windows drops");
  if (utf8Length(name) > MAX_FILE_NAME_BYTES) {
    throw bad(`a name is longer than ${MAX_FILE_NAME_BYTES} bytes`);
  }
}

function show(text: string): string {
  return printable(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}

/**
 * Throws {@linkcode FolderPathError} unless `path` is one that a folder
 * manifest may hold: relative, `/`-separated, of safe names, at most
 * `MAX_FOLDER_DEPTH` levels deep.
 */
export function checkFolderPath(path: string): void {
  const bad = (why: string) => new FolderPathError(`refusing entry "${show(path)}": ${why}`);
  if (path.startsWith("/")) throw bad("it is an absolute path");
  const names = path.split("/");
  if (names.length > MAX_FOLDER_DEPTH) throw bad(`it is deeper than ${MAX_FOLDER_DEPTH} levels`);
  for (const name of names) checkName(name, path);
}

/**
 * Throws {@linkcode FolderPathError}, naming the first bad entry, unless
 * every entry's path is safe (see the module documentation), the entries
 * are in strictly increasing byte order, no file is also the folder of
 * another entry, every listed folder is empty, and there are at most
 * `MAX_FOLDER_ENTRIES` entries of at most `MAX_FOLDER_DEPTH` levels.
 */
export function checkFolderEntries(entries: readonly FolderEntry[]): void {
  if (entries.length > MAX_FOLDER_ENTRIES) {
    throw new FolderPathError(
      `refusing a folder of ${entries.length} entries: at most ${MAX_FOLDER_ENTRIES} are allowed`,
    );
  }
  /** Fold key -> the path (of an entry or an implied folder) that has it. */
  const seen = new Map<string, string>();
  const files = new Set<string>();
  const emptyFolders = new Set<string>();
  let previous: FolderEntry | undefined;
  for (const entry of entries) {
    const { path } = entry;
    const bad = (why: string) => new FolderPathError(`refusing entry "${show(path)}": ${why}`);
    checkFolderPath(path);
    const names = path.split("/");
    if (entry.kind === "folder" && entry.size !== 0) throw bad("a folder has a size");
    if (previous && compareUtf8(previous.path, path) >= 0) {
      throw bad(`it is listed twice or out of order (after "${show(previous.path)}")`);
    }
    for (let depth = 1; depth <= names.length; depth++) {
      const prefix = names.slice(0, depth).join("/");
      if (depth < names.length && files.has(prefix)) {
        throw bad(`"${show(prefix)}" is both a file and a folder`);
      }
      if (depth < names.length && emptyFolders.has(prefix)) {
        throw bad(`its folder "${show(prefix)}" is listed as empty`);
      }
      const key = foldKey(prefix);
      const other = seen.get(key);
      if (other === undefined) seen.set(key, prefix);
      else if (other !== prefix) {
        throw bad(`it collides with "${show(other)}" where case or accents are not told apart`);
      }
    }
    (entry.kind === "folder" ? emptyFolders : files).add(path);
    previous = entry;
  }
}
