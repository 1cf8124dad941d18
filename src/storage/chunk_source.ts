/**
 * Reading chunks of a shared file straight from where it lies on disk (no
 * copy into a store). Before each read the file's size and modification time
 * are compared with those it was hashed at, so a file changed on disk is
 * never served as if it were intact.
 *
 * @module
 */

import { readFull } from "./hash_file.ts";
import { chunkLength, chunkOffset, type Manifest } from "./manifest.ts";

/** Thrown when a shared file is gone or differs from what was registered. */
export class SourceChangedError extends Error {
  /** Creates the error for `path`, saying what changed. */
  constructor(path: string, what: string) {
    super(`${path} ${what} since it was registered; register it again to share the new content`);
    this.name = "SourceChangedError";
  }
}

/** Reads chunks of one shared file, checking it did not change. */
export class ChunkSource {
  /** Path of the file. */
  readonly path: string;
  readonly manifest: Manifest;
  /** Modification time it was hashed at, ms since the epoch. */
  readonly mtimeMs: number;
  #file: Deno.FsFile | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  /** A source for `path`, registered with `manifest` at `mtimeMs`. */
  constructor(path: string, options: { manifest: Manifest; mtimeMs: number }) {
    this.path = path;
    this.manifest = options.manifest;
    this.mtimeMs = options.mtimeMs;
  }

  /** Throws {@linkcode SourceChangedError} when the file is gone or changed. */
  async check(): Promise<void> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(this.path);
    } catch {
      throw new SourceChangedError(this.path, "was removed");
    }
    if (info.size !== this.manifest.size) {
      throw new SourceChangedError(this.path, `changed size (${info.size} bytes now)`);
    }
    if ((info.mtime?.getTime() ?? 0) !== this.mtimeMs) {
      throw new SourceChangedError(this.path, "was modified");
    }
  }

  /** Reads chunk `index` into `target`, which must be exactly the chunk's length. */
  readChunk(index: number, target: Uint8Array): Promise<void> {
    const result = this.#tail.then(async () => {
      await this.check();
      if (target.length !== chunkLength(this.manifest, index)) {
        throw new RangeError(`buffer does not fit chunk ${index}`);
      }
      this.#file ??= await Deno.open(this.path, { read: true });
      await this.#file.seek(chunkOffset(this.manifest, index), Deno.SeekMode.Start);
      if (await readFull(this.#file, target) !== target.length) {
        throw new SourceChangedError(this.path, "was truncated");
      }
    });
    this.#tail = result.catch(() => this.close());
    return result;
  }

  /** Releases the open file handle, if any. */
  close(): void {
    try {
      this.#file?.close();
    } catch {
      // Closing twice is harmless.
    }
    this.#file = undefined;
  }
}
