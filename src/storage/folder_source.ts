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
import { FolderLayout } from "./folder_stream.ts";
import { readFull } from "./hash_file.ts";
import { chunkLength, chunkOffset, type Manifest } from "./manifest.ts";

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
    for (const piece of this.#layout.pieces(chunkOffset(this.manifest, index), target.length)) {
      const path = join(this.path, ...piece.file.path.split("/"));
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
  }

  /** Nothing to release: files are opened per read. */
  close(): void {}
}
