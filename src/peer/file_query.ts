/**
 * What a user types to name a shared file: a file ID, a unique prefix of
 * one, or the file's name (`album/` for a folder), optionally followed by
 * `:path/inside` for one file of a folder. One resolution for the command
 * line (`-d`) and the shell (`download`), and "did you mean" for a near
 * miss of an ID or a name.
 *
 * @module
 */

import { errorMessage } from "../log.ts";
import { RemoteError } from "../protocol/connection.ts";
import type { FileSummary, Manifest } from "../protocol/messages.ts";
import { LookupError } from "../storage/file_lookup.ts";
import { editDistance, splitInside } from "../storage/folder_file.ts";
import type { Listing } from "./network_lookup.ts";

/** A file ID or a prefix of one: hex digits only. */
export const HEX_QUERY = /^[0-9a-fA-F]+$/;

/** Candidates shown at most in a "did you mean". */
const SUGGESTIONS_SHOWN = 3;

/** Hex digits of a file ID shown beside its name in a suggestion. */
const SUGGESTED_ID_DIGITS = 12;

/**
 * Splits `ID:path` or `folder/:path` (one file of a folder) into the query
 * and the path; any other query (a file name may hold `:`) is whole.
 */
export function splitQuery(query: string): { query: string; inside: string | undefined } {
  const split = splitInside(query);
  if (split.inside === undefined) return split;
  if (HEX_QUERY.test(split.query) || split.query.endsWith("/")) return split;
  return { query, inside: undefined };
}

/** A name as listings show it: a folder's ends in `/`. */
function shownName(file: FileSummary): string {
  return file.files === undefined ? file.name : `${file.name}/`;
}

/**
 * The file ID of the file named `name` (a folder as `name` or `name/`) in
 * `files`. Throws a `LookupError` when none (`not-found`) or several
 * (`ambiguous`) have that name, with the closest names when none has it,
 * and `options.asked`, when given, saying who was asked.
 */
export function resolveName(
  files: Listing<FileSummary>,
  name: string,
  options: { asked?: string } = {},
): string {
  const named = files.entries.filter((file) =>
    file.name === name || (file.files !== undefined && `${file.name}/` === name)
  );
  if (named.length === 1) return named[0].fileId;
  if (named.length > 1) {
    throw new LookupError(
      "ambiguous",
      `${named.length} files are named ${name} (${
        named.slice(0, SUGGESTIONS_SHOWN).map((file) => file.fileId.slice(0, SUGGESTED_ID_DIGITS))
          .join(", ")
      }); give the ID (list files shows it)`,
    );
  }
  const hex = HEX_QUERY.test(name) ? "" : ", and it is not a file ID (hex digits)";
  const more = files.cut > 0
    ? ` among the ${files.entries.length} listed (the network has ${files.cut} more)`
    : " on the network";
  const asked = options.asked === undefined ? "" : `; ${options.asked}`;
  throw new LookupError(
    "not-found",
    `no file named ${name}${more}${hex}${asked}${didYouMean(name, files.entries)}`,
  );
}

/**
 * One of this peer's own items as a line of a file list (one source: this
 * peer), so that it is named, listed and completed as the network's are.
 */
export function ownSummary(item: { fileId: string; manifest: Manifest }): FileSummary {
  const { name, size, entries } = item.manifest;
  return {
    fileId: item.fileId,
    name,
    size,
    sources: 1,
    seeders: 1,
    ...(entries ? { files: entries.filter((entry) => entry.kind !== "folder").length } : {}),
  };
}

/**
 * The one item of `items` (what this peer shares) that `query` names: an
 * ID prefix, or a name (a folder also as `name/`). Throws when none or
 * several match, with the near misses when none does.
 */
export function resolveAmong<T extends { fileId: string; manifest: Manifest }>(
  items: T[],
  query: string,
): T {
  const summaries = items.map(ownSummary);
  const prefix = query.trim().toLowerCase();
  const matching = items.filter((item, i) =>
    (HEX_QUERY.test(prefix) && item.fileId.startsWith(prefix)) ||
    summaries[i].name === query || shownName(summaries[i]) === query
  );
  if (matching.length === 1) return matching[0];
  if (matching.length > 1) {
    throw new Error(
      `${matching.length} shared items match ${query} (${
        matching.slice(0, SUGGESTIONS_SHOWN).map((item) =>
          `${item.fileId.slice(0, SUGGESTED_ID_DIGITS)} ${item.manifest.name}`
        ).join(", ")
      }); give more of the ID`,
    );
  }
  throw new Error(
    `this peer shares nothing named ${query} or with an ID starting so` +
      `${didYouMean(query, summaries)}; shared lists what it shares`,
  );
}

/**
 * The files of `files` whose name or ID is a near miss of `query` (a typo
 * or two; for a hex query, of the same number of leading ID digits),
 * closest first, at most three.
 */
export function nearMisses(query: string, files: FileSummary[]): FileSummary[] {
  const wanted = query.trim().toLowerCase();
  if (wanted === "") return [];
  const allowed = typosAllowed(wanted);
  const hex = HEX_QUERY.test(wanted);
  return files
    .map((file) => {
      const byName = editDistance(shownName(file).toLowerCase(), wanted);
      const byId = hex ? idDistance(file.fileId, wanted) : Infinity;
      return { file, distance: Math.min(byName, byId) };
    })
    .filter((scored) => scored.distance <= allowed)
    .sort((a, b) => a.distance - b.distance)
    .slice(0, SUGGESTIONS_SHOWN)
    .map((scored) => scored.file);
}

/** Typos a near miss of `wanted` may have: one per four characters, one to three. */
function typosAllowed(wanted: string): number {
  return Math.max(1, Math.min(3, Math.floor(wanted.length / 4)));
}

/**
 * The name among `names` closest to `wanted` (case ignored) when it is a
 * near miss (a typo or two, as for files), else `undefined`.
 */
export function closeName(names: readonly string[], wanted: string): string | undefined {
  const key = wanted.toLowerCase();
  const [best] = names
    .map((name) => ({ name, distance: editDistance(name.toLowerCase(), key) }))
    .sort((a, b) => a.distance - b.distance);
  return best && best.distance <= typosAllowed(key) ? best.name : undefined;
}

/**
 * Edit distance between a hex query and the start of `fileId`: the leading
 * digits of the same count, one fewer or one more, so a digit typed twice
 * or left out counts as one typo.
 */
function idDistance(fileId: string, wanted: string): number {
  const n = wanted.length;
  return Math.min(
    ...[n - 1, n, n + 1].map((length) => editDistance(fileId.slice(0, length), wanted)),
  );
}

/** `; did you mean ...?` naming the near misses of `query` in `files`, or "" when there are none. */
export function didYouMean(query: string, files: FileSummary[]): string {
  const close = nearMisses(query, files);
  if (close.length === 0) return "";
  const shown = close.map((file) =>
    `${file.fileId.slice(0, SUGGESTED_ID_DIGITS)} (${shownName(file)})`
  );
  return `; did you mean ${shown.join(" or ")}?`;
}

/** True for a lookup that failed because no one shares the file (here or on the server). */
export function isNotFound(error: unknown): boolean {
  return (error instanceof LookupError || error instanceof RemoteError) &&
    error.code === "not-found";
}

/**
 * The error to throw for a lookup of `query` that found no one sharing the
 * file (`error`): a {@linkcode LookupError} naming the near misses among
 * the network's `files`, or `error` itself when there are none.
 */
export function withNearMisses(error: unknown, query: string, files: FileSummary[]): unknown {
  const hint = didYouMean(query, files);
  return hint === "" ? error : new LookupError("not-found", `${errorMessage(error)}${hint}`);
}
