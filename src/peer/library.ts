/**
 * What a peer can serve: files it shares whole (read from where they lie)
 * and downloads in progress (read from their `.part` file, only the chunks
 * already verified).
 *
 * @module
 */

import type { Manifest, SharedFileEntry } from "../protocol/messages.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { ChunkSource } from "../storage/chunk_source.ts";
import { FolderSource } from "../storage/folder_source.ts";
import { chunkLength, chunkOffset, isFolder } from "../storage/manifest.ts";
import type { ChunkStore } from "../storage/part_file.ts";
import type { SharedRecord } from "../storage/peer_state.ts";

/** A file this peer can serve chunks of. */
export interface ServedFile {
  fileId: string;
  manifest: Manifest;
  /** Where it lies on disk (the `.part` file of a download). */
  path: string;
  /** Chunks held; `undefined` means all of them. */
  chunks: Bitfield | undefined;
  /** What a file shared whole is remembered by across restarts; `undefined` for a download. */
  record: SharedRecord | undefined;
  /** Reads chunk `index` into `target` (exactly the chunk's length). */
  read(index: number, target: Uint8Array): Promise<void>;
  /** Releases open handles. */
  close(): void;
}

/** A shared file or folder: held whole, read from its own path (while it stays as hashed). */
export function sharedFile(record: SharedRecord): ServedFile {
  const source = isFolder(record.manifest)
    ? new FolderSource(record.path, record)
    : new ChunkSource(record.path, record);
  return {
    fileId: record.fileId,
    manifest: record.manifest,
    path: record.path,
    chunks: undefined,
    record,
    read: (index, target) => source.readChunk(index, target),
    close: () => source.close(),
  };
}

/** A download in progress: serves the verified chunks of its `.part` file (or staged files). */
export function partialFile(
  fileId: string,
  options: { manifest: Manifest; part: ChunkStore; chunks: Bitfield },
): ServedFile {
  const { manifest, part, chunks } = options;
  return {
    fileId,
    manifest,
    path: part.path,
    chunks,
    record: undefined,
    async read(index, target) {
      if (!chunks.has(index)) throw new Error(`chunk ${index} is not downloaded yet`);
      if (target.length !== chunkLength(manifest, index)) {
        throw new RangeError(`buffer does not fit chunk ${index}`);
      }
      if (await part.read(chunkOffset(manifest, index), target) !== target.length) {
        throw new Error(`${part.path} is shorter than expected`);
      }
    },
    close() {},
  };
}

/** The files a peer serves, by file ID. */
export class Library {
  #files = new Map<string, ServedFile>();

  /** Adds or replaces the entry for `file.fileId`. */
  put(file: ServedFile): void {
    const previous = this.#files.get(file.fileId);
    if (previous && previous !== file) previous.close();
    this.#files.set(file.fileId, file);
  }

  /** The entry for `fileId`, if any. */
  get(fileId: string): ServedFile | undefined {
    return this.#files.get(fileId);
  }

  /** Removes the entry for `fileId`. */
  remove(fileId: string): void {
    this.#files.get(fileId)?.close();
    this.#files.delete(fileId);
  }

  /** Every entry. */
  list(): ServedFile[] {
    return [...this.#files.values()];
  }

  /** Entries whose ID starts with `query` (hex) or whose name equals it; all for "". */
  search(query: string): ServedFile[] {
    const needle = query.trim().toLowerCase();
    if (needle === "") return this.list();
    return this.list().filter((file) =>
      file.fileId.startsWith(needle) || file.manifest.name.toLowerCase() === needle
    );
  }

  /** Closes every entry. */
  close(): void {
    for (const file of this.#files.values()) file.close();
    this.#files.clear();
  }
}

/** What the network is told of a served file: its manifest, and its chunks unless whole. */
export function sharedEntry(file: ServedFile): SharedFileEntry {
  return {
    fileId: file.fileId,
    manifest: file.manifest,
    ...(file.chunks ? { chunks: file.chunks.toBase64() } : {}),
  };
}

/** The bitfield to announce for a served file: a full field when it is whole. */
export function heldChunks(file: ServedFile): Bitfield {
  return file.chunks ?? Bitfield.full(file.manifest.chunkHashes.length);
}
