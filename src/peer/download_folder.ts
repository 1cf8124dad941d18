/**
 * The folder end of a download. A folder's verified chunks are written
 * straight into the files of a hidden staging folder in the download folder
 * (see folder_part.ts; named as staging.ts says), which is moved into place
 * under the first free name once whole: half a tree never carries the
 * final name, and the folder is written once. One file of a folder fetched
 * alone is staged the same way, in one hidden file. A folder that already
 * holds the same tree is found.
 *
 * @module
 */

import { basename } from "node:path";
import { errorMessage, type Logger } from "../log.ts";
import type { Manifest } from "../protocol/messages.ts";
import { FolderPart } from "../storage/folder_part.ts";
import { hashFolder } from "../storage/hash_folder.ts";
import { candidatePaths, pathExists, resolveInside } from "../storage/safe_name.ts";
import { stagingName } from "../storage/staging.ts";
import { DownloadError } from "./download_failures.ts";

/** Mode of a folder once in place. */
const FOLDER_MODE = 0o755;

/** Where a folder goes: `outDir/name` (or `name (1)`, ...). */
export interface FolderPlace {
  outDir: string;
  /** The sanitized folder name (of the one file, when one is fetched alone). */
  name: string;
  fileId: string;
  manifest: Manifest;
  log: Logger;
}

/** Where a folder, or one file of it, is staged while it downloads. */
export interface StagingPlace extends FolderPlace {
  /** The `ownerTag` of the downloading peer. */
  owner: string;
  /** The file fetched alone, if one is: its path and its index among the entries. */
  inside?: { path: string; entry: number };
}

/** A staging place opened for a download. */
export interface OpenedStaging {
  /** The path the folder or file goes to (if still free at the end). */
  path: string;
  part: FolderPart;
  /** True when an earlier run's staging was taken up, false when made now. */
  resumed: boolean;
}

/** A folder among the candidate paths for `name` in `outDir` that holds the tree `fileId`. */
export async function findPresentFolder(place: FolderPlace): Promise<string | undefined> {
  for (const path of candidatePaths(place.outDir, place.name)) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch {
      return undefined;
    }
    if (!info.isDirectory) continue;
    const hashed = await hashFolder(path, { chunkSize: place.manifest.chunkSize }).catch(() => {
      return undefined;
    });
    if (hashed?.fileId === place.fileId) return path;
  }
  return undefined;
}

/** The absolute path of the staging folder (or file) of `place`. */
export function stagingPath(place: Pick<StagingPlace, "outDir" | "fileId" | "owner" | "inside">) {
  const name = stagingName(place.fileId, { owner: place.owner, entry: place.inside?.entry });
  return resolveInside(place.outDir, name);
}

/**
 * Opens the staging of a download: the one an earlier run of it left, when
 * `resume` and it is still there; else a new one (a leftover of this peer
 * that no journal records is removed first). Throws a {@linkcode DownloadError}.
 */
export async function openStaging(place: StagingPlace, resume: boolean): Promise<OpenedStaging> {
  const { outDir, name, log } = place;
  const path = resolveInside(outDir, name);
  const staging = stagingPath(place);
  const options = { entries: place.manifest.entries ?? [], only: place.inside?.path };
  try {
    if (resume) {
      try {
        return { path, part: await FolderPart.resume(staging, options), resumed: true };
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        log.info(
          `the staging ${place.inside ? "file" : "folder"} of ${name} is gone; starting again`,
        );
      }
    }
    await Deno.remove(staging, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    return { path, part: await FolderPart.create(staging, options), resumed: false };
  } catch (error) {
    throw new DownloadError(`cannot write into ${outDir}: ${errorMessage(error)}`);
  }
}

/**
 * Checks that the staged folder (or file) is whole and moves it to the
 * first free name for `place.name`; resolves to that path. Throws a
 * {@linkcode DownloadError}, the staging kept.
 */
export async function finishStaging(part: FolderPart, place: StagingPlace): Promise<string> {
  const { outDir, name, log } = place;
  try {
    await part.checkWhole();
    await part.close();
    if (!place.inside) await Deno.chmod(part.path, FOLDER_MODE);
  } catch (error) {
    throw new DownloadError(`cannot finish ${name} in ${outDir}: ${errorMessage(error)}`);
  }
  for (const path of candidatePaths(outDir, name)) {
    if (await pathExists(path)) continue;
    await Deno.rename(part.path, path);
    if (basename(path) !== name) {
      log.warn(`a different ${name} exists in ${outDir}; saved as ${basename(path)}`);
    }
    return path;
  }
  throw new DownloadError(`no free name for ${name} in ${outDir}: move some away`);
}
