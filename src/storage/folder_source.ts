/**
 * Reading chunks of a shared folder straight from its files: a chunk of the
 * folder's stream is read piece by piece from the files it spans. Before
 * each piece the file's size is compared with the manifest's and its
 * modification time with the newest the folder had when hashed, so a file
 * changed on disk is never served as if it were intact.
 *
 * @module
 */

import { join } from "node:path";
import { SourceChangedError } from "./chunk_source.ts";
import { FolderLayout, type StreamPiece } from "./folder_stream.ts";
import { readFull } from "./hash_file.ts";
import { chunkLength, chunkOffset, type Manifest } from "./manifest.ts";

/** Files of one chunk read at once. */
const PARALLEL_PIECES = 16;
/** Files up to this size are read in one blocking call (see `#readSmall`). */
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
    this.#layout = new FolderLayout(options.manifest.entries ?? []);
  }

  /** Reads chunk `index` into `target`, which must be exactly the chunk's length. */
  async readChunk(index: number, target: Uint8Array): Promise<void> {
    if (target.length !== chunkLength(this.manifest, index)) {
      throw new RangeError(`buffer does not fit chunk ${index}`);
    }
    const pieces = this.#layout.pieces(chunkOffset(this.manifest, index), target.length);
    // A chunk of small files spans hundreds of them: read several at once,
    // or each file's open, stat, read and close wait in turn.
    let next = 0;
    const reader = async () => {
      while (next < pieces.length) await this.#readPiece(pieces[next++], target);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PIECES, pieces.length) }, reader));
  }

  async #readPiece(piece: StreamPiece, target: Uint8Array): Promise<void> {
    const path = join(this.path, ...piece.file.path.split("/"));
    if (piece.file.size <= SMALL_FILE_BYTES) {
      this.#readSmall(path, piece, target);
      return;
    }
    const file = await Deno.open(path, { read: true }).catch(() => {
      throw new SourceChangedError(path, "was removed");
    });
    try {
      const info = await file.stat();
      if (info.size !== piece.file.size) {
        throw new SourceChangedError(path, `changed size (${info.size} bytes now)`);
      }
      if ((info.mtime?.getTime() ?? 0) > this.mtimeMs) {
        throw new SourceChangedError(path, "was modified");
      }
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
   * Reads a small file's piece with blocking calls: two system calls instead
   * of five awaited operations, which for thousands of small files is most
   * of the time; the event loop waits only as long as one small read.
   */
  #readSmall(path: string, piece: StreamPiece, target: Uint8Array): void {
    let bytes: Uint8Array;
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
      bytes = Deno.readFileSync(path);
    } catch {
      throw new SourceChangedError(path, "was removed");
    }
    if (bytes.length !== piece.file.size || info.size !== piece.file.size) {
      throw new SourceChangedError(path, `changed size (${bytes.length} bytes now)`);
    }
    if ((info.mtime?.getTime() ?? 0) > this.mtimeMs) {
      throw new SourceChangedError(path, "was modified");
    }
    target.set(
      bytes.subarray(piece.fileOffset, piece.fileOffset + piece.length),
      piece.rangeOffset,
    );
  }

  /** Nothing to release: files are opened per read. */
  close(): void {}
}
