/**
 * A download in progress: chunks are written at their offsets into
 * `<name>.part`, and the file is renamed into place only once every chunk is
 * verified, so no partial file ever carries the final name. A `.part` file
 * is only ever created new, never taken over: one already there belongs to
 * someone else unless this peer's journal records it (a resumed download).
 *
 * @module
 */

import { WRITE_PIECE_BYTES } from "./constants.ts";
import { partPath } from "./safe_name.ts";

/**
 * Where a download's verified chunks go and are read back from (to be
 * re-verified on resume, or served to other peers): a file's `.part` file,
 * or the files of a folder being staged (see folder_part.ts).
 */
export interface ChunkStore {
  /** Path of the `.part` file, or of the staging folder or file. */
  readonly path: string;
  /** Writes `data` at `offset` of the stream; resolves once every byte is written. */
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Reads `target.length` bytes at `offset`; resolves to the count read (short where missing). */
  read(offset: number, target: Uint8Array): Promise<number>;
  /** Closes open files (once; later calls do nothing), keeping what was written. */
  close(): Promise<void>;
}

/** Writes chunks at their offsets into a `.part` file. Writes are serialised. */
export class PartFile implements ChunkStore {
  /** Path of the `.part` file. */
  readonly path: string;
  #file: Deno.FsFile;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /**
   * Creates the `.part` file for `finalPath`, sized to `size`. Throws
   * `Deno.errors.AlreadyExists` when anything is there already: a file of
   * that name is never opened, let alone truncated.
   */
  static async create(finalPath: string, size: number): Promise<PartFile> {
    const path = partPath(finalPath);
    const file = await Deno.open(path, { read: true, write: true, createNew: true });
    try {
      await file.truncate(size);
    } catch (error) {
      file.close();
      await Deno.remove(path).catch(() => {});
      throw error;
    }
    return new PartFile(path, file);
  }

  /**
   * Opens the existing `.part` file of a download this peer's journal
   * records, to resume it: its content is kept (sized to `size`). Throws
   * `Deno.errors.NotFound` when it is gone.
   */
  static async resume(finalPath: string, size: number): Promise<PartFile> {
    const path = partPath(finalPath);
    const file = await Deno.open(path, { read: true, write: true });
    try {
      const info = await file.stat();
      if (info.size !== size) await file.truncate(size);
    } catch (error) {
      file.close();
      throw error;
    }
    return new PartFile(path, file);
  }

  /** Writes `data` at `offset`, in writes of at most {@linkcode WRITE_PIECE_BYTES}. */
  write(offset: number, data: Uint8Array): Promise<void> {
    const result = this.#tail.then(async () => {
      await this.#file.seek(offset, Deno.SeekMode.Start);
      let written = 0;
      while (written < data.length) {
        const end = Math.min(data.length, written + WRITE_PIECE_BYTES);
        written += await this.#file.write(data.subarray(written, end));
      }
    });
    this.#tail = result.catch(() => {});
    return result;
  }

  /** Reads `target.length` bytes at `offset` (to re-verify a chunk on resume). */
  read(offset: number, target: Uint8Array): Promise<number> {
    const result = this.#tail.then(async () => {
      await this.#file.seek(offset, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < target.length) {
        const count = await this.#file.read(target.subarray(filled));
        if (count === null) break;
        filled += count;
      }
      return filled;
    });
    this.#tail = result.then(() => {}, () => {});
    return result;
  }

  /** Size of the `.part` file on disk now. */
  async size(): Promise<number> {
    await this.#tail;
    return (await this.#file.stat()).size;
  }

  /**
   * Closes the file and moves it to `finalPath` atomically, never replacing
   * an existing file: throws `Deno.errors.AlreadyExists` when one is there
   * (the `.part` file is then kept). Of two downloads finishing at once at
   * the same path, exactly one gets it.
   */
  async finish(finalPath: string): Promise<void> {
    await this.close();
    try {
      await Deno.link(this.path, finalPath);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) throw error;
      // No hard links on this file system: the name is reserved by creating
      // it (which only one can do), then the `.part` file replaces it.
      (await Deno.open(finalPath, { write: true, createNew: true })).close();
      await Deno.rename(this.path, finalPath);
      return;
    }
    await Deno.remove(this.path);
  }

  /**
   * {@linkcode finish}es at the first of `paths` that is free; resolves to
   * it, or to `undefined` (the `.part` file kept) when every one is taken.
   */
  async finishAtFirstFree(paths: Iterable<string>): Promise<string | undefined> {
    for (const path of paths) {
      try {
        await this.finish(path);
        return path;
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    }
    return undefined;
  }

  /** Closes the file (once; later calls do nothing), keeping it on disk for a later resume. */
  async close(): Promise<void> {
    await this.#tail.catch(() => {});
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }
}
