/**
 * The orders an index lists its files in, kept sorted as files come and go
 * so that a page of a listing costs the page (plus a binary search for a
 * prefix), never a walk over the index: by ID (where an ID prefix is one
 * range), by name for people, and by name in code-unit order (where a name
 * prefix is one range).
 *
 * @module
 */

import { SortedList } from "./sorted_list.ts";

/** Which entries of a listing: from `offset` (default 0), at most `limit` (default all). */
export interface Page {
  offset?: number;
  limit?: number;
}

/**
 * Which files a listing holds: those whose ID starts with `idPrefix`
 * (hex, any case), in ID order; else those whose name starts with
 * `namePrefix` (exactly), in name order; else all, by name.
 */
export interface FileMatch {
  idPrefix?: string;
  namePrefix?: string;
}

/** What a listing needs of a file: its ID and its name. */
export interface Listed {
  fileId: string;
  manifest: { name: string };
}

/** Sorts after every hex digit: `prefix + PAST_HEX` bounds the IDs that start with `prefix`. */
const PAST_HEX = "g";
// Made on first use: a collator costs about 10 ms of CPU to make, which
// processes that never sort names (most peers) then do not pay at start-up.
let collator: Intl.Collator | undefined;

/** Compares names as people sort them (the locale's collation). */
export function byName(a: string, b: string): number {
  collator ??= new Intl.Collator();
  return collator.compare(a, b);
}

/** Compares strings in plain code-unit order. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Files kept in each order a listing asks for; each file is added and deleted once. */
export class FileListing<T extends Listed> {
  #byId = new SortedList<T>((a, b) => compareText(a.fileId, b.fileId));
  #byName = new SortedList<T>((a, b) =>
    byName(a.manifest.name, b.manifest.name) || compareText(a.fileId, b.fileId)
  );
  /** By name in plain code-unit order, where a prefix is one range. */
  #byPlainName = new SortedList<T>((a, b) =>
    compareText(a.manifest.name, b.manifest.name) || compareText(a.fileId, b.fileId)
  );

  /** Files listed. */
  get size(): number {
    return this.#byId.size;
  }

  /** Lists `file` (not listed yet). */
  add(file: T): void {
    this.#byId.add(file);
    this.#byName.add(file);
    this.#byPlainName.add(file);
  }

  /** Stops listing `file`. */
  delete(file: T): void {
    this.#byId.delete(file);
    this.#byName.delete(file);
    this.#byPlainName.delete(file);
  }

  /**
   * A page of the files `match` takes (all by default), and how many it
   * takes in all.
   */
  page(page: Page = {}, match: FileMatch = {}): { entries: T[]; total: number } {
    if (match.idPrefix !== undefined) {
      return this.#range(this.#byId, page, {
        from: probe("", match.idPrefix.toLowerCase()),
        to: probe("", match.idPrefix.toLowerCase() + PAST_HEX),
      });
    }
    if (match.namePrefix) {
      return this.#range(this.#byPlainName, page, {
        from: probe(match.namePrefix, ""),
        to: probe(pastPrefix(match.namePrefix), ""),
      });
    }
    return {
      entries: this.#byName.slice(page.offset ?? 0, page.limit ?? Infinity),
      total: this.size,
    };
  }

  #range(list: SortedList<T>, page: Page, bounds: { from: T; to: T }) {
    const offset = page.offset ?? 0;
    const start = list.rank(bounds.from);
    const total = list.rank(bounds.to) - start;
    const entries = list.slice(start + offset, Math.min(page.limit ?? Infinity, total - offset));
    return { entries, total };
  }
}

/** A stand-in that sorts where a file of `name` and ID `fileId` would. */
function probe<T extends Listed>(name: string, fileId: string): T {
  return { manifest: { name }, fileId } as T;
}

/** The first string past every string that starts with `prefix` (not empty), in code-unit order. */
function pastPrefix(prefix: string): string {
  const last = prefix.length - 1;
  return prefix.slice(0, last) + String.fromCharCode(prefix.charCodeAt(last) + 1);
}
