/**
 * Where each byte of a folder's stream lies: the stream is the folder's files
 * one after another in manifest order (empty files and folders take no
 * bytes), cut into chunks that may span file boundaries. A range of the
 * stream maps to pieces of files by binary search.
 *
 * @module
 */

import { sep } from "node:path";
import type { FolderEntry } from "../protocol/messages.ts";

/**
 * The path on disk of the entry at `path` (checked, `/`-separated) in the
 * folder at `root`: what `join` gives, without its cost, which thousands of
 * small files a chunk make felt.
 */
export function pathOnDisk(root: string, path: string): string {
  const inside = sep === "/" ? path : path.replaceAll("/", sep);
  return root.endsWith(sep) ? root + inside : root + sep + inside;
}

/** A file of a folder and where its bytes start in the folder's stream. */
export interface StreamFile {
  /** Its `/`-separated path in the folder. */
  path: string;
  size: number;
  executable: boolean;
  /** Offset of its first byte in the stream. */
  start: number;
}

/** A piece of a stream range that lies in one file. */
export interface StreamPiece {
  file: StreamFile;
  /** Offset in the file. */
  fileOffset: number;
  /** Offset from the start of the range. */
  rangeOffset: number;
  length: number;
}

/** Layouts made by {@linkcode FolderLayout.of}, by entries array (a manifest's never changes). */
const layouts = new WeakMap<readonly FolderEntry[], FolderLayout>();

/** The files of a folder laid out along its stream. */
export class FolderLayout {
  /** Every file (empty ones included), in stream order. */
  readonly files: readonly StreamFile[];
  /** Empty folders, by path. */
  readonly folders: readonly string[];
  /** Files that take bytes, in stream order, for the search. */
  #filled: StreamFile[];

  /** The layout of a folder manifest's `entries`. */
  constructor(entries: readonly FolderEntry[]) {
    const files: StreamFile[] = [];
    const folders: string[] = [];
    let start = 0;
    for (const entry of entries) {
      if (entry.kind === "folder") {
        folders.push(entry.path);
        continue;
      }
      files.push({
        path: entry.path,
        size: entry.size,
        executable: entry.kind === "executable",
        start,
      });
      start += entry.size;
    }
    this.files = files;
    this.folders = folders;
    this.#filled = files.filter((file) => file.size > 0);
  }

  /**
   * The layout of `entries`, made once per entries array: the download,
   * its staging folder and its progress share one.
   */
  static of(entries: readonly FolderEntry[]): FolderLayout {
    let layout = layouts.get(entries);
    if (!layout) {
      layout = new FolderLayout(entries);
      layouts.set(entries, layout);
    }
    return layout;
  }

  /** The pieces of files that the stream range `[offset, offset + length)` covers, in order. */
  pieces(offset: number, length: number): StreamPiece[] {
    const pieces: StreamPiece[] = [];
    const end = offset + length;
    for (let i = this.#firstEndingAfter(offset); i < this.#filled.length; i++) {
      const file = this.#filled[i];
      if (file.start >= end) break;
      const from = Math.max(offset, file.start);
      const to = Math.min(end, file.start + file.size);
      pieces.push({
        file,
        fileOffset: from - file.start,
        rangeOffset: from - offset,
        length: to - from,
      });
    }
    return pieces;
  }

  /**
   * How many files are whole when the chunks of `chunkSize` bytes for which
   * `verified` is true are in (empty files always are). Each run of chunks
   * not verified takes two binary searches, not a look at every file.
   */
  filesDone(chunkSize: number, verified: (index: number) => boolean): number {
    const filled = this.#filled;
    if (filled.length === 0) return this.files.length;
    const last = filled[filled.length - 1];
    const chunks = Math.ceil((last.start + last.size) / chunkSize);
    let missing = 0;
    /** Files before this index in `#filled` are counted already. */
    let counted = 0;
    for (let index = 0; index < chunks; index++) {
      if (verified(index)) continue;
      let end = index + 1;
      while (end < chunks && !verified(end)) end++;
      // The files with bytes in chunks [index, end) are not whole.
      const first = Math.max(counted, this.#firstEndingAfter(index * chunkSize));
      const after = this.#firstStartingFrom(end * chunkSize);
      if (after > first) missing += after - first;
      counted = Math.max(counted, after);
      index = end;
    }
    return this.files.length - missing;
  }

  /**
   * Every folder of the tree, by path: those listed empty and those files
   * lie in, each parent before its children.
   */
  allFolders(): string[] {
    const folders = new Set<string>();
    let previous = "";
    const addParents = (path: string) => {
      // A file in the folder of the one before it adds no folder: the common case.
      const last = path.lastIndexOf("/");
      if (last < 0 || (last === previous.length && path.startsWith(previous))) return;
      previous = path.slice(0, last);
      for (let slash = path.indexOf("/"); slash >= 0; slash = path.indexOf("/", slash + 1)) {
        folders.add(path.slice(0, slash));
      }
    };
    for (const file of this.files) addParents(file.path);
    for (const folder of this.folders) {
      addParents(folder);
      folders.add(folder);
    }
    return [...folders].sort();
  }

  /** The file at `path`, if the folder has it. */
  file(path: string): StreamFile | undefined {
    return this.files.find((file) => file.path === path);
  }

  /** Index in `#filled` of the first file whose bytes start at or after `offset`. */
  #firstStartingFrom(offset: number): number {
    return this.#firstNot((file) => file.start < offset);
  }

  /** Index in `#filled` of the first file whose bytes end after `offset`. */
  #firstEndingAfter(offset: number): number {
    return this.#firstNot((file) => file.start + file.size <= offset);
  }

  /**
   * Index in `#filled` of the first file for which `before` is false, by
   * binary search: `before` must hold for a first run of the files only.
   */
  #firstNot(before: (file: StreamFile) => boolean): number {
    let low = 0;
    let high = this.#filled.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (before(this.#filled[middle])) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
