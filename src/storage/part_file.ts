/**
 * A download in progress: chunks are written at their offsets into
 * `<name>.part`, and the file is renamed into place only once every chunk is
 * verified, so no partial file ever carries the final name.
 *
 * @module
 */

import { PART_SUFFIX, WRITE_PIECE_BYTES } from "../constants.ts";

/** Writes chunks at their offsets into a `.part` file. Writes are serialised. */
export class PartFile {
  /** Path of the `.part` file. */
  readonly path: string;
  #file: Deno.FsFile;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /** The `.part` path for a final path. */
  static pathFor(finalPath: string): string {
    return finalPath + PART_SUFFIX;
  }

  /**
   * Opens (or creates) the `.part` file for `finalPath`, sized to `size`.
   * Existing content is kept so a download can resume.
   */
  static async open(finalPath: string, options: { size: number }): Promise<PartFile> {
    const path = PartFile.pathFor(finalPath);
    const file = await Deno.open(path, { read: true, write: true, create: true });
    try {
      const info = await file.stat();
      if (info.size !== options.size) await file.truncate(options.size);
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

  /**
   * Closes the file and moves it to `finalPath` atomically, never replacing
   * an existing file: throws `Deno.errors.AlreadyExists` when one is there
   * (the `.part` file is then kept).
   */
  async finish(finalPath: string): Promise<void> {
    await this.close();
    try {
      await Deno.link(this.path, finalPath);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) throw error;
      if (await pathExists(finalPath)) throw new Deno.errors.AlreadyExists(finalPath);
      await Deno.rename(this.path, finalPath);
      return;
    }
    await Deno.remove(this.path);
  }

  /** Closes the file (once; later calls do nothing), keeping it on disk for a later resume. */
  async close(): Promise<void> {
    await this.#tail.catch(() => {});
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
