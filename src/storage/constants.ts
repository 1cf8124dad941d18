/**
 * Tunable numbers of storage: how downloads are written and named, and
 * what the index holds. Numbers other parts share are in `src/constants.ts`.
 *
 * @module
 */

/**
 * Most bytes handed to one `write` of a download's `.part` file. A verified
 * 4 MiB chunk goes out in pieces of this size: on a Linux 6.x ext4 folder,
 * 4 MiB writes made the kernel spend about 3.5 s of system time per GiB
 * (large page-cache folios), 256 KiB writes under 1 s, and smaller ones add
 * more calls than they save (`deno task bench`, disk destination).
 */
export const WRITE_PIECE_BYTES = 256 * 1024;

/** Suffix of a download in progress, before it is renamed into place. */
export const PART_SUFFIX = ".part";

/**
 * Most downloaders the server tells of one `have`, picked at random: without
 * it one announcement fans out to every downloader of the file, turning one
 * peer's allowed request rate into millions of messages a second. The others
 * learn of the chunk at their next `sources` ask.
 */
export const MAX_HAVE_FORWARDS = 50;
