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

/** First and last UTF-16 surrogate code unit. */
const SURROGATE_FIRST = 0xd800;
const SURROGATE_LAST = 0xdfff;

/** A UTF-16 surrogate code unit anywhere. */
const HAS_SURROGATE = /[\ud800-\udfff]/;

/**
 * Orders strings by their UTF-8 bytes, the order of a folder manifest's
 * entries. Where neither string has a surrogate at the first difference,
 * code units order as UTF-8 bytes do, so only such strings are encoded (and
 * strings without surrogates are compared as they are).
 */
export function compareUtf8(a: string, b: string): number {
  if (!HAS_SURROGATE.test(a) && !HAS_SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === length) {
    if (a.length === b.length || !isSurrogate((a.length > b.length ? a : b).charCodeAt(i))) {
      return a.length - b.length;
    }
  } else if (!isSurrogate(a.charCodeAt(i)) && !isSurrogate(b.charCodeAt(i))) {
    return a.charCodeAt(i) - b.charCodeAt(i);
  }
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const shorter = Math.min(x.length, y.length);
  for (let j = 0; j < shorter; j++) if (x[j] !== y[j]) return x[j] - y[j];
  return x.length - y.length;
}

function isSurrogate(code: number): boolean {
  return code >= SURROGATE_FIRST && code <= SURROGATE_LAST;
}

/** A character other than printable ASCII, which is its own Unicode normalisation. */
const NOT_PRINTABLE_ASCII = /[^ -~]/;

/** The key two names collide under on a case-insensitive, normalising file system. */
function foldKey(path: string): string {
  if (!NOT_PRINTABLE_ASCII.test(path)) return path.toLowerCase();
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
  // A UTF-16 code unit takes at most 3 bytes of UTF-8: most names need no counting.
  if (name.length * 3 > MAX_FILE_NAME_BYTES && utf8Length(name) > MAX_FILE_NAME_BYTES) {
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
  /**
   * Folders implied by earlier entries, already checked. A later entry is
   * never one of them (it would sort before the entries under it), so the
   * checks of such a folder need not be made again for each file in it.
   */
  const implied = new Set<string>();
  let previous: FolderEntry | undefined;
  /** The folder part of the previous entry's path (`""` at the top). */
  let previousFolder: string | undefined;
  const remember = (path: string, bad: (why: string) => FolderPathError) => {
    const key = foldKey(path);
    const other = seen.get(key);
    if (other === undefined) seen.set(key, path);
    else if (other !== path) {
      throw bad(`it collides with "${show(other)}" where case or accents are not told apart`);
    }
  };
  for (const entry of entries) {
    const { path } = entry;
    const bad = (why: string) => new FolderPathError(`refusing entry "${show(path)}": ${why}`);
    const slash = path.lastIndexOf("/");
    const folder = slash < 0 ? "" : path.slice(0, slash);
    if (folder === previousFolder) {
      // In the previous entry's folder, whose folders were checked with it:
      // only its own name is new (the common case, so the cheap one).
      checkPlace(entry, previous, bad);
      checkName(path.slice(slash + 1), path);
      remember(path, bad);
    } else {
      checkFirstInFolder(entry, { previous, implied, files, emptyFolders, remember });
    }
    (entry.kind === "folder" ? emptyFolders : files).add(path);
    previous = entry;
    previousFolder = folder;
  }
}

/** Throws unless `entry` comes after `previous` in byte order, and is no folder with a size. */
function checkPlace(
  entry: FolderEntry,
  previous: FolderEntry | undefined,
  bad: (why: string) => FolderPathError,
): void {
  if (entry.kind === "folder" && entry.size !== 0) throw bad("a folder has a size");
  if (previous && compareUtf8(previous.path, entry.path) >= 0) {
    throw bad(`it is listed twice or out of order (after "${show(previous.path)}")`);
  }
}

/** What {@linkcode checkFolderEntries} knows of the entries before the one checked. */
interface EarlierEntries {
  previous: FolderEntry | undefined;
  /** Folders implied by earlier entries, already checked. */
  implied: Set<string>;
  files: Set<string>;
  emptyFolders: Set<string>;
  /** Records a path's fold key; throws when another path has it. */
  remember(path: string, bad: (why: string) => FolderPathError): void;
}

/**
 * Checks an entry in another folder than the previous entry: its path, its
 * place in the order, and each of its folders not checked yet.
 */
function checkFirstInFolder(entry: FolderEntry, earlier: EarlierEntries): void {
  const { path } = entry;
  const { previous, implied, files, emptyFolders } = earlier;
  const bad = (why: string) => new FolderPathError(`refusing entry "${show(path)}": ${why}`);
  if (path.startsWith("/")) throw bad("it is an absolute path");
  const names = path.split("/");
  if (names.length > MAX_FOLDER_DEPTH) throw bad(`it is deeper than ${MAX_FOLDER_DEPTH} levels`);
  checkPlace(entry, previous, bad);
  let prefix = "";
  for (let depth = 0; depth < names.length; depth++) {
    prefix = depth === 0 ? names[0] : `${prefix}/${names[depth]}`;
    const folder = depth < names.length - 1;
    if (folder && implied.has(prefix)) continue;
    checkName(names[depth], path);
    if (folder && files.has(prefix)) throw bad(`"${show(prefix)}" is both a file and a folder`);
    if (folder && emptyFolders.has(prefix)) {
      throw bad(`its folder "${show(prefix)}" is listed as empty`);
    }
    earlier.remember(prefix, bad);
    if (folder) implied.add(prefix);
  }
}
