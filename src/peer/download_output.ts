/**
 * Where a download's bytes go, apart from fetching them: a copy of the
 * content already there (this peer's own shared copy, or the same file or
 * tree in the download folder), the `.part` file or staging the chunks are
 * written into, and the finished file or folder put in place under the
 * first free name (see download_part.ts and download_folder.ts).
 *
 * @module
 */

import { basename, join } from "node:path";
import type { Logger } from "../log.ts";
import type { Manifest } from "../protocol/messages.ts";
import type { Bitfield } from "../storage/bitfield.ts";
import { FolderPart } from "../storage/folder_part.ts";
import type { StreamFile } from "../storage/folder_stream.ts";
import { isFolder } from "../storage/manifest.ts";
import type { PartFile } from "../storage/part_file.ts";
import { findPresent, sanitizeFileName } from "../storage/safe_name.ts";
import { ownerTag } from "../storage/staging.ts";
import {
  findPresentFolder,
  finishStaging,
  type OpenedStaging,
  openStaging,
  type StagingPlace,
} from "./download_folder.ts";
import { finishPart, type OpenedPart, openPart, type PartPlace } from "./download_part.ts";

/** The file of a folder fetched alone, and its index among the folder's entries. */
export interface DownloadTarget {
  file: StreamFile;
  entry: number;
}

/** What a download saves, and where. */
export interface OutputPlace {
  /** Folder the file (or folder) goes into. */
  outDir: string;
  fileId: string;
  manifest: Manifest;
  /** The downloading peer's ID, which tags its staging. */
  selfId: string;
  /** The one file of the folder fetched, if only one is. */
  target?: DownloadTarget;
  log: Logger;
}

/**
 * The path of this peer's shared copy `copy` of the content (of the file
 * inside it, for a `target`), if it is still there.
 */
export async function localCopyPath(
  copy: string | undefined,
  target?: DownloadTarget,
): Promise<string | undefined> {
  if (copy === undefined) return undefined;
  const path = target ? join(copy, ...target.file.path.split("/")) : copy;
  try {
    await Deno.stat(path);
    return path;
  } catch {
    return undefined;
  }
}

/** The `.part` file or staging of one download, from finding a copy there to the final name. */
export class DownloadOutput {
  /** The sanitized name it is saved under (the one file's, for a target). */
  readonly name: string;
  #place: OutputPlace;
  /** Where a folder (or one file of it) is staged; undefined for a file. */
  #folder: StagingPlace | undefined;
  #part: PartPlace;

  /** The output of a download of `place.fileId` into `place.outDir`. */
  constructor(place: OutputPlace) {
    const { outDir, fileId, manifest, target, log } = place;
    this.#place = place;
    this.name = sanitizeFileName(target ? basename(target.file.path) : manifest.name);
    this.#folder = isFolder(manifest)
      ? {
        outDir,
        name: this.name,
        fileId,
        manifest,
        log,
        owner: ownerTag(place.selfId),
        inside: target && { path: target.file.path, entry: target.entry },
      }
      : undefined;
    this.#part = { outDir, name: this.name, size: manifest.size, log };
  }

  /** A file (or folder) among the candidate paths that already holds the content. */
  findPresent(): Promise<string | undefined> {
    const { outDir, fileId, manifest } = this.#place;
    return this.#folder
      ? findPresentFolder(this.#folder)
      : findPresent(outDir, this.name, { fileId, ...manifest });
  }

  /**
   * Opens the `.part` file or staging: the one of an earlier run when
   * `resume` (the journal's record of it) says so and it is still there,
   * else a new one. Throws a `DownloadError`.
   */
  open(resume?: { path: string }): Promise<OpenedPart | OpenedStaging> {
    return this.#folder
      ? openStaging(this.#folder, resume !== undefined)
      : openPart(this.#part, resume?.path);
  }

  /**
   * Checks that `part` is whole (every chunk in `done` verified) and moves
   * it to the first free final name; resolves to that path. Throws a
   * `DownloadError`, the `.part` or staging kept.
   */
  finish(part: PartFile | FolderPart, done: Bitfield): Promise<string> {
    return part instanceof FolderPart
      ? finishStaging(part, this.#folder!)
      : finishPart(part, { ...this.#part, done });
  }
}
