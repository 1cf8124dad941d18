/**
 * Reading chunks of a shared folder straight from its files: a chunk of the
 * folder's stream is read piece by piece from the files it spans. Before
 * each piece the file's size is compared with the manifest's and its
 * modification time with the newest the folder had when hashed, so a file
 * changed on disk is never served as if it were intact.
 *
 * @module
 */

import { SourceChangedError } from "./chunk_source.ts";
import { FolderLayout, pathOnDisk, type StreamPiece } from "./folder_stream.ts";
import { readFull } from "./hash_file.ts";
import { chunkLength, chunkOffset, type Manifest } from "./manifest.ts";

/** Large files of one chunk read at once. */
const PARALLEL_PIECES = 16;
/** Files up to this size are read with blocking calls (see `#readSmall`). */
const SMALL_FILE_BYTES = 64 * 1024;

/** Reads chunks of one shared folder, checking that its files did not change. */
export class FolderSource {
  /** Path of the folder. */
  readonly path: string;
  readonly manifest: Manifest;
  /** Newest modification time of its files when hashed, ms since the epoch. */
  readonly mtimeMs: number;
  #layout: FolderLayout;

  /** A source for the folder at `path`, registered with `manifest` at `mtimeMs`. */
  constructor(path: string, options: { manifest: Manifest; mtimeMs: number }) {
    this.path = path;
    this.manifest = options.manifest;
    this.mtimeMs = options.mtimeMs;
    this.#layout = FolderLayout.of(options.manifest.entries ?? []);
  }

  /**
   * Reads chunk `index` into `target`, which must be exactly the chunk's
   * length. Small files are read one after another with blocking calls,
   * large ones several at once.
   */
  async readChunk(index: number, target: Uint8Array): Promise<void> {
    if (target.length !== chunkLength(this.manifest, index)) {
      throw new RangeError(`buffer does not fit chunk ${index}`);
    }
    const large: StreamPiece[] = [];
    for (const piece of this.#layout.pieces(chunkOffset(this.manifest, index), target.length)) {
      if (piece.file.size <= SMALL_FILE_BYTES) this.#readSmall(piece, target);
      else large.push(piece);
    }
    let next = 0;
    const reader = async () => {
      while (next < large.length) await this.#readLarge(large[next++], target);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PIECES, large.length) }, reader));
  }

  #path(piece: StreamPiece): string {
    return pathOnDisk(this.path, piece.file.path);
  }

  /** Throws {@linkcode SourceChangedError} unless `info` is what the manifest says of `piece`'s file. */
  #check(path: string, piece: StreamPiece, info: Deno.FileInfo): void {
    if (info.size !== piece.file.size) {
      throw new SourceChangedError(path, `changed size (${info.size} bytes now)`);
    }
    if ((info.mtime?.getTime() ?? 0) > this.mtimeMs) {
      throw new SourceChangedError(path, "was modified");
    }
  }

  async #readLarge(piece: StreamPiece, target: Uint8Array): Promise<void> {
    const path = this.#path(piece);
    const file = await Deno.open(path, { read: true }).catch(() => {
      throw new SourceChangedError(path, "was removed");
    });
    try {
      this.#check(path, piece, await file.stat());
      await file.seek(piece.fileOffset, Deno.SeekMode.Start);
      const view = target.subarray(piece.rangeOffset, piece.rangeOffset + piece.length);
      if (await readFull(file, view) !== piece.length) {
        throw new SourceChangedError(path, "was truncated");
      }
    } finally {
      file.close();
    }
  }

  /**
   * Reads a small file's piece straight into `target` with blocking calls
   * (open, stat, read, close): for thousands of small files the cost of an
   * awaited operation each is most of the time, and the event loop waits
   * only as long as one small read.
   */
  #readSmall(piece: StreamPiece, target: Uint8Array): void {
    const path = this.#path(piece);
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { read: true });
    } catch {
      throw new SourceChangedError(path, "was removed");
    }
    try {
      this.#check(path, piece, file.statSync());
      if (piece.fileOffset > 0) file.seekSync(piece.fileOffset, Deno.SeekMode.Start);
      const view = target.subarray(piece.rangeOffset, piece.rangeOffset + piece.length);
      for (let filled = 0; filled < view.length;) {
        const count = file.readSync(view.subarray(filled));
        if (count === null) throw new SourceChangedError(path, "was truncated");
        filled += count;
      }
    } finally {
      file.close();
    }
  }

  /** Nothing to release: files are opened per read. */
  close(): void {}
}
