/**
 * The `.part` file of one download, from its placement to its final name.
 * It is created new beside the first candidate path where neither the file
 * nor its `.part` exists, so a file already there (another program's
 * download, another download of the same name) is never taken over; an
 * existing `.part` is opened only when this peer's journal records it. At
 * the end it must be whole (every chunk verified, the manifest's size) and
 * takes the first final name free then, atomically.
 *
 * @module
 */

import { basename } from "node:path";
import { errorMessage, type Logger } from "../log.ts";
import type { Bitfield } from "../storage/bitfield.ts";
import { PartFile } from "../storage/part_file.ts";
import { candidatePaths, pathExists } from "../storage/safe_name.ts";
import { DownloadError } from "./download_failures.ts";

/** Where a download of a file named `name` (sanitized) goes, and how big it is. */
export interface PartPlace {
  /** Folder the file goes into. */
  outDir: string;
  /** The sanitized file name. */
  name: string;
  /** File size. */
  size: number;
  log: Logger;
}

/** An open `.part` file and the path it sits beside. */
export interface OpenedPart {
  /** The path whose `.part` it is (the final name if still free at the end). */
  path: string;
  part: PartFile;
  /** True when it is the journal's `.part` of an earlier run, false when created now. */
  resumed: boolean;
}

/**
 * Creates the folder a download saves into (and its parents) unless it
 * exists; throws a {@linkcode DownloadError} saying when a file is in the way.
 */
export async function makeOutDir(outDir: string): Promise<void> {
  await Deno.mkdir(outDir, { recursive: true }).catch((error) => {
    const inTheWay = error instanceof Deno.errors.AlreadyExists ||
      error instanceof Deno.errors.NotADirectory;
    throw new DownloadError(
      inTheWay
        ? `cannot save into ${outDir}: a file is in the way, not a folder; pick a folder`
        : `cannot create the folder ${outDir}: ${errorMessage(error)}`,
    );
  });
}

/**
 * Opens the `.part` file of a download: the one beside `resumePath` when
 * this peer's journal records one (and it is still there), else a new one
 * (see the module documentation). Throws a {@linkcode DownloadError}.
 */
export async function openPart(place: PartPlace, resumePath?: string): Promise<OpenedPart> {
  const { outDir, name, size, log } = place;
  try {
    if (resumePath !== undefined) {
      try {
        return { path: resumePath, part: await PartFile.resume(resumePath, size), resumed: true };
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        log.info(`the .part file of ${name} is gone; starting it again`);
      }
    }
    for (const path of candidatePaths(outDir, name)) {
      if (await pathExists(path)) continue;
      try {
        const part = await PartFile.create(path, size);
        if (basename(path) !== name) {
          log.info(
            `${name} or its .part is taken in ${outDir}; downloading into ${basename(part.path)}`,
          );
        }
        return { path, part, resumed: false };
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    }
  } catch (error) {
    throw new DownloadError(`cannot write into ${outDir}: ${errorMessage(error)}`);
  }
  throw new DownloadError(`too many files named like ${name} in ${outDir}: move some away`);
}

/**
 * `part` when it is whole (every chunk in `done` verified, the size of the
 * file); throws a {@linkcode DownloadError} otherwise.
 */
export async function checkWhole(
  part: PartFile,
  options: { size: number; done: Bitfield },
): Promise<PartFile> {
  const { size, done } = options;
  const onDisk = await part.size();
  if (!done.complete || onDisk !== size) {
    throw new DownloadError(
      `${part.path} is not whole (${onDisk} of ${size} bytes, ${done.count} of ${done.size} ` +
        `chunks verified): something else changed it; download the file again`,
    );
  }
  return part;
}

/**
 * Checks that `part` is whole (every chunk in `done` verified, the size of
 * the file) and renames it to the first free final name; resolves to that
 * path. Throws a {@linkcode DownloadError}, the `.part` kept.
 */
export async function finishPart(
  part: PartFile,
  options: PartPlace & { done: Bitfield },
): Promise<string> {
  const { outDir, name, log } = options;
  await checkWhole(part, options);
  const path = await part.finishAtFirstFree(candidatePaths(outDir, name));
  if (!path) throw new DownloadError(`no free name for ${name} in ${outDir}: move some away`);
  if (basename(path) !== name) {
    log.warn(`a different ${name} exists in ${outDir}; saved as ${basename(path)}`);
  }
  return path;
}
