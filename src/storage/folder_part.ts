/**
 * A folder download in progress, written straight into the folder's files:
 * each verified chunk's bytes go at their offsets into the files of a
 * staging folder, so the folder is written once and takes its own size on
 * disk (no `.part` stream beside it); or, when one file of a folder is
 * fetched alone, that file's bytes go into one staging file and the rest of
 * each chunk is dropped.
 *
 * A file that lies whole in a chunk is created with one blocking write; a
 * file that spans chunks stays open (among at most
 * {@linkcode MAX_OPEN_FILES}, least recently used closed first) until every
 * byte of it is written. Writes and reads are serialised, as in a `.part`
 * file; a write resolves once its bytes are in the files, so a chunk
 * journalled after it is on disk as surely as a `.part` file's.
 *
 * Nothing is written through a link. A staging folder made new has mode
 * 0700, and every folder and file in it is created new by this code. One
 * taken up again on resume is walked first: whatever the manifest does not
 * expect there (a link, a stray entry, a file longer than the manifest's)
 * is removed, and at the end every file must have its size. It, and each
 * folder in it (one `lstat` a folder, none a file), must belong to the
 * user this program runs as; else it is refused, since whoever owns a
 * folder on the way to a file could swap it for a link mid-run. Its bytes are
 * trusted no more than a `.part` file's: the download re-verifies every
 * recorded chunk.
 *
 * @module
 */

import { join } from "node:path";
import { WRITE_PIECE_BYTES } from "./constants.ts";
import { FolderLayout, pathOnDisk, type StreamFile, type StreamPiece } from "./folder_stream.ts";
import type { ChunkStore } from "./part_file.ts";
import type { FolderEntry } from "../protocol/messages.ts";

/** Files that span chunks kept open at once. */
export const MAX_OPEN_FILES = 64;
/** Pieces up to this size are written and read with blocking calls, larger ones awaited. */
const BLOCKING_PIECE_BYTES = 64 * 1024;
/** Mode of an executable file (others get the default, as the umask has it). */
const EXECUTABLE_MODE = 0o755;
/** Mode of a staging folder until it is whole. */
const STAGING_MODE = 0o700;

/** What is staged: every file of a folder, or one of them alone. */
export interface FolderPartOptions {
  /** The folder manifest's entries. */
  entries: readonly FolderEntry[];
  /** The path of the one file staged alone (the staging path is then that file's). */
  only?: string;
}

/** The files of a folder download in progress (see the module documentation). */
export class FolderPart implements ChunkStore {
  /** The staging folder, or the staging file of one file alone. */
  readonly path: string;
  /** True when it was taken up from an earlier run, false when made now. */
  readonly resumed: boolean;
  #layout: FolderLayout;
  /** The one file staged, when only one is. */
  #only: StreamFile | undefined;
  /** Files that exist on disk: created by this code, or found on resume. */
  #created = new Set<StreamFile>();
  /** Open files, least recently used first. */
  #open = new Map<StreamFile, Deno.FsFile>();
  /** Bytes written in this run into files that span chunks, until whole. */
  #written = new Map<StreamFile, number>();
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(path: string, options: FolderPartOptions & { resumed: boolean }) {
    this.path = path;
    this.resumed = options.resumed;
    this.#layout = FolderLayout.of(options.entries);
    if (options.only !== undefined) {
      this.#only = this.#layout.file(options.only);
      if (!this.#only) throw new Error(`the folder has no file "${options.only}"`);
    }
  }

  /**
   * Makes the staging folder (or file) at `path` new, with every folder and
   * empty file of the tree. Throws `Deno.errors.AlreadyExists` when
   * anything is there already.
   */
  static async create(path: string, options: FolderPartOptions): Promise<FolderPart> {
    const part = new FolderPart(path, { ...options, resumed: false });
    if (part.#only) {
      part.#openFile(part.#only);
      return part;
    }
    await Deno.mkdir(path, { mode: STAGING_MODE });
    try {
      part.#addMissing();
    } catch (error) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
      throw error;
    }
    return part;
  }

  /**
   * Takes up the staging folder (or file) at `path` that an earlier run of
   * this download left, removing what the tree does not expect (see the
   * module documentation). Throws `Deno.errors.NotFound` when it is gone.
   */
  static async resume(path: string, options: FolderPartOptions): Promise<FolderPart> {
    const part = new FolderPart(path, { ...options, resumed: true });
    const info = await Deno.lstat(path);
    const only = part.#only;
    if (only ? !info.isFile : !info.isDirectory) {
      throw new Error(`${path} is in the way and is not what this program left: remove it`);
    }
    checkOwner(path, info, path);
    if (only) {
      if (info.size > only.size) await Deno.truncate(path, only.size);
      part.#created.add(only);
      part.#openFile(only);
      return part;
    }
    part.#keepExpected();
    part.#addMissing();
    return part;
  }

  /** Writes the bytes of the stream at `offset` into the files they belong to. */
  write(offset: number, data: Uint8Array): Promise<void> {
    const result = this.#tail.then(async () => {
      for (const piece of this.#layout.pieces(offset, data.length)) {
        if (this.#only && piece.file !== this.#only) continue;
        const bytes = data.subarray(piece.rangeOffset, piece.rangeOffset + piece.length);
        if (piece.length === piece.file.size && !this.#open.has(piece.file)) {
          this.#writeWhole(piece.file, bytes);
        } else {
          await this.#writeAt(piece, bytes);
        }
      }
    });
    this.#tail = result.catch(() => {});
    return result;
  }

  /**
   * Reads `target.length` bytes of the stream at `offset` from the files;
   * resolves to the count read, short from the first byte missing (a file
   * not written yet, or one not staged when only one is).
   */
  read(offset: number, target: Uint8Array): Promise<number> {
    const result = this.#tail.then(async () => {
      let filled = 0;
      for (const piece of this.#layout.pieces(offset, target.length)) {
        if (piece.rangeOffset !== filled) break;
        if (this.#only && piece.file !== this.#only) break;
        const view = target.subarray(piece.rangeOffset, piece.rangeOffset + piece.length);
        const count = await this.#readAt(piece, view);
        filled += count;
        if (count < piece.length) break;
      }
      return filled;
    });
    this.#tail = result.catch(() => {});
    return result;
  }

  /**
   * Throws unless every file staged has its size. Made new, every file is
   * written whole once each chunk is; taken up again, any could have been
   * changed in between, so each is looked at.
   */
  async checkWhole(): Promise<void> {
    await this.#tail;
    if (!this.resumed && !this.#only) return;
    for (const file of this.#only ? [this.#only] : this.#layout.files) {
      const path = this.#pathOf(file);
      const info = await Deno.lstat(path).catch(() => undefined);
      if (!info?.isFile || info.size !== file.size) {
        const what = info?.isFile ? `${info.size} of ${file.size} bytes` : "missing";
        throw new Error(
          `${path} is not whole (${what}): something else changed it; download it again`,
        );
      }
    }
  }

  /** Closes the open files (once; later calls do nothing), keeping what was written. */
  async close(): Promise<void> {
    await this.#tail.catch(() => {});
    if (this.#closed) return;
    this.#closed = true;
    for (const file of this.#open.values()) file.close();
    this.#open.clear();
  }

  #pathOf(file: StreamFile): string {
    return this.#only ? this.path : pathOnDisk(this.path, file.path);
  }

  /** Creates `file` (a whole small one, or a large one not yet there) with `bytes`, in one call. */
  #writeWhole(file: StreamFile, bytes: Uint8Array): void {
    Deno.writeFileSync(this.#pathOf(file), bytes, {
      createNew: !this.#created.has(file),
      ...(file.executable ? { mode: EXECUTABLE_MODE } : {}),
    });
    this.#created.add(file);
  }

  async #writeAt(piece: StreamPiece, bytes: Uint8Array): Promise<void> {
    const file = this.#openFile(piece.file);
    if (bytes.length <= BLOCKING_PIECE_BYTES) {
      file.seekSync(piece.fileOffset, Deno.SeekMode.Start);
      for (let written = 0; written < bytes.length;) {
        written += file.writeSync(bytes.subarray(written));
      }
    } else {
      await file.seek(piece.fileOffset, Deno.SeekMode.Start);
      for (let written = 0; written < bytes.length;) {
        const end = Math.min(bytes.length, written + WRITE_PIECE_BYTES);
        written += await file.write(bytes.subarray(written, end));
      }
    }
    if (piece.file === this.#only) return;
    const written = (this.#written.get(piece.file) ?? 0) + bytes.length;
    if (written < piece.file.size) {
      this.#written.set(piece.file, written);
      return;
    }
    this.#written.delete(piece.file);
    this.#open.delete(piece.file);
    file.close();
  }

  /** Reads `piece` into `view` from its file; resolves to the count read (0 when it is not there). */
  async #readAt(piece: StreamPiece, view: Uint8Array): Promise<number> {
    let file = this.#open.get(piece.file);
    const opened = file === undefined;
    if (!file) {
      if (!this.#created.has(piece.file)) return 0;
      try {
        file = Deno.openSync(this.#pathOf(piece.file), { read: true });
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return 0;
        throw error;
      }
    }
    try {
      let filled = 0;
      if (view.length <= BLOCKING_PIECE_BYTES) {
        file.seekSync(piece.fileOffset, Deno.SeekMode.Start);
        while (filled < view.length) {
          const count = file.readSync(view.subarray(filled));
          if (count === null) break;
          filled += count;
        }
      } else {
        await file.seek(piece.fileOffset, Deno.SeekMode.Start);
        while (filled < view.length) {
          const count = await file.read(view.subarray(filled));
          if (count === null) break;
          filled += count;
        }
      }
      return filled;
    } finally {
      if (opened) file.close();
    }
  }

  /**
   * The open file of `file`, created new unless it exists already; the
   * least recently used open file is closed when too many are.
   */
  #openFile(file: StreamFile): Deno.FsFile {
    const open = this.#open.get(file);
    if (open) {
      this.#open.delete(file);
      this.#open.set(file, open);
      return open;
    }
    const path = this.#pathOf(file);
    const created = !this.#created.has(file);
    const handle = Deno.openSync(path, {
      read: true,
      write: true,
      createNew: created,
      ...(file.executable ? { mode: EXECUTABLE_MODE } : {}),
    });
    this.#created.add(file);
    if (created && file.executable) Deno.chmodSync(path, EXECUTABLE_MODE);
    if (this.#open.size >= MAX_OPEN_FILES) {
      const [oldest, oldestFile] = this.#open.entries().next().value!;
      this.#open.delete(oldest);
      oldestFile.close();
    }
    this.#open.set(file, handle);
    return handle;
  }

  /**
   * Walks the staging folder left by an earlier run: keeps the folders and
   * files the tree expects (a file no longer than its size), removes
   * everything else.
   */
  #keepExpected(): void {
    const files = new Map(this.#layout.files.map((file) => [file.path, file]));
    const folders = new Set(this.#layout.allFolders());
    const walk = (dir: string, prefix: string) => {
      for (const entry of Deno.readDirSync(dir)) {
        const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
        const absolute = join(dir, entry.name);
        if (entry.isDirectory && folders.has(path)) {
          checkOwner(absolute, Deno.lstatSync(absolute), this.path);
          walk(absolute, path);
          continue;
        }
        const file = entry.isFile ? files.get(path) : undefined;
        if (file && Deno.lstatSync(absolute).size <= file.size) {
          this.#created.add(file);
          continue;
        }
        Deno.removeSync(absolute, { recursive: true });
      }
    };
    walk(this.path, "");
  }

  /** Creates the folders and empty files of the tree that are not there yet. */
  #addMissing(): void {
    for (const folder of this.#layout.allFolders()) {
      try {
        Deno.mkdirSync(pathOnDisk(this.path, folder));
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    }
    for (const file of this.#layout.files) {
      if (file.size === 0 && !this.#created.has(file)) this.#writeWhole(file, new Uint8Array());
    }
  }
}

/**
 * Throws unless `info` (of `path`, in the staging `staging`) belongs to the
 * user this program runs as (where the system has owners).
 */
function checkOwner(path: string, info: Deno.FileInfo, staging: string): void {
  const uid = Deno.uid();
  if (uid === null || info.uid === null || info.uid === uid) return;
  throw new Error(
    `${path} belongs to another user, so this program did not leave it: remove ${staging}, ` +
      `then download again`,
  );
}
