/**
 * What a peer shares, in one place: the {@linkcode Library} it serves from.
 * Files shared whole are remembered in the data folder (rewritten from the
 * library after each change, so the two never differ) and shared again on
 * the next start; the server is told of every change.
 *
 * @module
 */

import { resolve } from "node:path";
import { errorMessage, type Logger } from "../log.ts";
import type { Manifest, SharedFileEntry } from "../protocol/messages.ts";
import type { Bitfield } from "../storage/bitfield.ts";
import type { SourceChangedError } from "../storage/chunk_source.ts";
import { hashFile, type HashProgress } from "../storage/hash_file.ts";
import { hashFolder, walkFolder } from "../storage/hash_folder.ts";
import { isFolder } from "../storage/manifest.ts";
import type { ChunkStore } from "../storage/part_file.ts";
import type { PeerState, SharedRecord, ShareOrigin } from "../storage/peer_state.ts";
import { type Library, partialFile, type ServedFile, sharedEntry, sharedFile } from "./library.ts";
import type { ServerLink } from "./server_link.ts";

/** A file registered for sharing. */
export interface Registered {
  fileId: string;
  manifest: Manifest;
  /** Absolute path of the file. */
  path: string;
}

/** What {@linkcode Shares} tells the server through. */
export type ShareLink = Pick<ServerLink, "share" | "request">;

/** Options of {@linkcode Shares}. */
export interface SharesOptions {
  /** Where shared files are remembered; none remembers nothing. */
  state?: PeerState;
  /** The server to tell; none in serverless LAN mode. */
  link?: ShareLink;
  log: Logger;
}

/** The files a peer shares whole or in part, kept in its library. */
export class Shares {
  #library: Library;
  #state: PeerState | undefined;
  #link: ShareLink | undefined;
  #log: Logger;

  /** Shares kept in `library`, which the chunk server serves from. */
  constructor(library: Library, options: SharesOptions) {
    this.#library = library;
    this.#state = options.state;
    this.#link = options.link;
    this.#log = options.log;
  }

  /** What the server is told after each (re)registration. */
  entries(): SharedFileEntry[] {
    return this.#library.list().map(sharedEntry);
  }

  /** Everything served, whole or in part. */
  list(): ServedFile[] {
    return this.#library.list();
  }

  /** Where this peer holds `fileId` whole, when it shares it so. */
  wholePath(fileId: string): string | undefined {
    const file = this.#library.get(fileId);
    return file && file.chunks === undefined ? file.path : undefined;
  }

  /**
   * Hashes and shares the file or folder at `path` (a folder's symlinks are
   * skipped with a warning); `options.signal` stops the hashing.
   */
  async register(
    path: string,
    options: {
      onProgress?: (progress: HashProgress) => void;
      signal?: AbortSignal;
      origin?: ShareOrigin;
    } = {},
  ): Promise<Registered> {
    const absolute = resolve(path);
    let hashed;
    try {
      const info = await Deno.stat(absolute);
      hashed = info.isDirectory
        ? await hashFolder(absolute, { ...options, onSkip: (message) => this.#log.warn(message) })
        : await hashFile(absolute, options);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`cannot register ${path}: no such file or folder`);
      }
      throw new Error(`cannot register ${path}: ${errorMessage(error)}`);
    }
    const file = sharedFile({ path: absolute, ...hashed, origin: options.origin ?? "registered" });
    this.#library.put(file);
    await this.#save();
    // The caller prints the ID (`File ID: ...`): at info level the log would repeat it.
    this.#log.debug(`sharing ${absolute} as ${hashed.fileId}`);
    await this.#link?.share([sharedEntry(file)]).catch((error) => {
      this.#log.warn(`could not tell the server yet (${errorMessage(error)}); will retry`);
    });
    return { fileId: hashed.fileId, manifest: hashed.manifest, path: absolute };
  }

  /** Shares again what the data folder remembers sharing, hashing again what changed. */
  async restore(): Promise<void> {
    if (!this.#state) return;
    for (const record of await this.#state.loadShared()) await this.#reshare(record);
    await this.#save();
    const restored = this.#library.list().flatMap((file) => file.record ? [file.record] : []);
    const downloaded = restored.filter((record) => record.origin === "downloaded").length;
    if (restored.length === 0) return;
    this.#log.info(
      `sharing again ${restored.length} item(s) shared before` +
        (downloaded > 0 ? ` (${downloaded} downloaded)` : "") +
        `: shared (in the shell) lists them; unshare, or --unshare at start, stops one`,
    );
  }

  /**
   * Serves the verified chunks of a download in progress, unless the whole
   * file is already shared, and tells the server.
   */
  addPartial(
    fileId: string,
    download: { manifest: Manifest; part: ChunkStore; chunks: Bitfield },
  ): void {
    const existing = this.#library.get(fileId);
    if (existing && existing.chunks === undefined) return;
    const partial = partialFile(fileId, download);
    this.#library.put(partial);
    this.#link?.share([sharedEntry(partial)]).catch(() => {});
  }

  /** Shares a finished download whole; throws when it cannot be read or the server told. */
  async addDownloaded(record: Omit<SharedRecord, "mtimeMs">): Promise<void> {
    if (this.wholePath(record.fileId) === record.path) return;
    const mtimeMs = isFolder(record.manifest)
      ? (await walkFolder(record.path)).mtimeMs
      : (await Deno.stat(record.path)).mtime?.getTime() ?? 0;
    const file = sharedFile({ ...record, mtimeMs, origin: "downloaded" });
    this.#library.put(file);
    await this.#save();
    await this.#link?.share([sharedEntry(file)]);
  }

  /**
   * Stops sharing `fileId` for good: it is no longer served, the server is
   * told, and the next start does not share it again. A download still
   * running is refused (its chunks are served as they come).
   */
  async unshare(fileId: string): Promise<ServedFile> {
    const file = this.#library.get(fileId);
    if (!file) throw new Error(`this peer does not share ${fileId}; shared lists what it shares`);
    if (file.chunks !== undefined) {
      throw new Error(
        `${file.manifest.name} is still downloading, and served as it comes: cancel the ` +
          `download, or unshare it once it is done (--no-reshare keeps downloads unshared)`,
      );
    }
    this.#remove(fileId);
    await this.#save();
    this.#log.info(`no longer sharing ${file.path}`);
    return file;
  }

  /** Stops serving the chunks of a download that failed. */
  dropPartial(fileId: string): void {
    if (this.#library.get(fileId)?.chunks === undefined) return;
    this.#remove(fileId);
  }

  /** Stops sharing a file that changed or vanished on disk since it was hashed. */
  dropChanged(fileId: string, error: SourceChangedError): void {
    if (!this.#library.get(fileId)) return;
    this.#log.warn(`${error.message}; no longer sharing it`);
    this.#remove(fileId);
    this.#save();
  }

  /** Stops serving everything. */
  close(): void {
    this.#library.close();
  }

  #remove(fileId: string): void {
    this.#library.remove(fileId);
    this.#link?.request({ t: "unshare", fileId }).catch(() => {});
  }

  async #reshare(record: SharedRecord): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(record.path);
    } catch {
      this.#log.warn(`${record.path} is gone; no longer sharing it`);
      return;
    }
    const unchanged = isFolder(record.manifest)
      ? info.isDirectory && await folderUnchanged(record)
      : info.size === record.manifest.size && (info.mtime?.getTime() ?? 0) === record.mtimeMs;
    if (unchanged) {
      this.#library.put(sharedFile(record));
      return;
    }
    this.#log.warn(`${record.path} changed since it was shared; hashing it again`);
    try {
      const { fileId } = await this.register(record.path, { origin: record.origin });
      this.#log.info(`sharing ${record.path} as ${fileId}`);
    } catch (error) {
      this.#log.warn(`${errorMessage(error)}; no longer sharing it`);
    }
  }

  /** Writes down the files shared whole, as the library has them now. */
  #save(): Promise<void> {
    const records = this.#library.list().flatMap((file) => file.record ? [file.record] : []);
    return this.#state?.saveShared(records).catch((error) => {
      this.#log.warn(`cannot save the list of shared files: ${errorMessage(error)}`);
    }) ?? Promise.resolve();
  }
}

/** True when the folder of `record` still has the entries it was hashed with, none modified since. */
async function folderUnchanged(record: SharedRecord): Promise<boolean> {
  const { entries, mtimeMs } = await walkFolder(record.path);
  return mtimeMs === record.mtimeMs &&
    JSON.stringify(entries) === JSON.stringify(record.manifest.entries);
}
