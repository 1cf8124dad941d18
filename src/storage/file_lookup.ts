/**
 * Finding a file by ID or unique ID prefix, the way a user types one: the
 * query rules (hex digits, at least {@linkcode MIN_PREFIX_LENGTH} of them,
 * any case), and the errors sent back when a query names no file, several,
 * or is no ID at all.
 *
 * @module
 */

import { FILE_ID_HEX_LENGTH } from "../constants.ts";
import { CodedError } from "../coded_error.ts";

/** Why a lookup failed; sent to the peer as the error code. */
export type LookupFailure = "not-found" | "ambiguous" | "bad-query";

/** A lookup that cannot be answered, with a message for the user. */
export class LookupError extends CodedError<LookupFailure> {}

/** Shortest prefix accepted, so that a typo does not match half the index. */
export const MIN_PREFIX_LENGTH = 4;
/** Matches named in an "ambiguous" error. */
export const AMBIGUOUS_SHOWN = 3;
/** Digits of each match shown in an "ambiguous" error. */
const AMBIGUOUS_DIGITS = 12;
const PREFIX_PATTERN = /^[0-9a-f]+$/;

/** The files whose ID starts with a prefix: the first few, in ID order, and how many in all. */
export interface PrefixMatches {
  /** At most {@linkcode AMBIGUOUS_SHOWN} of them, from the first. */
  entries: { fileId: string; manifest: { name: string } }[];
  /** How many there are. */
  total: number;
}

/**
 * The full file ID for `query` (an ID or unique prefix, trimmed, any case),
 * given the files each prefix matches: an ID that is itself indexed wins
 * over the longer IDs it starts. Throws {@linkcode LookupError}: `bad-query`
 * for no hex or too few digits, `not-found`, or `ambiguous` naming a few
 * of the matches.
 */
export function resolveFileId(
  query: string,
  matching: (prefix: string) => PrefixMatches,
): string {
  const prefix = query.trim().toLowerCase();
  if (!PREFIX_PATTERN.test(prefix) || prefix.length > FILE_ID_HEX_LENGTH) {
    throw new LookupError("bad-query", `"${query}" is not a file ID: use hex digits`);
  }
  if (prefix.length < MIN_PREFIX_LENGTH) {
    throw new LookupError(
      "bad-query",
      `"${query}" is too short: give at least ${MIN_PREFIX_LENGTH} hex digits of the file ID`,
    );
  }
  const { entries, total } = matching(prefix);
  if (total === 0) {
    throw new LookupError("not-found", `no file with ID ${prefix} is shared on the network`);
  }
  if (total > 1 && entries[0].fileId !== prefix) {
    const shown = entries.map((file) =>
      `${file.fileId.slice(0, AMBIGUOUS_DIGITS)} ${file.manifest.name}`
    );
    throw new LookupError(
      "ambiguous",
      `prefix ${prefix} matches ${total} files (${shown.join(", ")}...): give more digits`,
    );
  }
  return entries[0].fileId;
}
