/**
 * Hashing a file into a manifest. The file is streamed through two reused
 * chunk-sized buffers: one is hashed while the next is read, so memory stays
 * bounded for any file size and disk and CPU work overlap.
 *
 * @module
 */

import { basename } from "node:path";
import { chunkSizeFor, computeFileId, type Manifest, toHex } from "./manifest.ts";

/** Progress of a hashing run. */
export interface HashProgress {
  /** Bytes hashed so far. */
  bytesDone: number;
  /** Size of the file. */
  bytesTotal: number;
}

/** Options of {@linkcode hashFile}. */
export interface HashFileOptions {
  /** Chunk size; default `chunkSizeFor` the size (see manifest.ts). */
  chunkSize?: number;
  /** Called after each chunk. */
  onProgress?: (progress: HashProgress) => void;
  /** Stops hashing when aborted. */
  signal?: AbortSignal;
}

/** A hashed file: its manifest, ID and the stat it was hashed at. */
export interface HashedFile {
  /** The manifest, named after the file's base name. */
  manifest: Manifest;
  /** The content-addressed file ID. */
  fileId: string;
  /** Modification time when hashed, in ms since the epoch. */
  mtimeMs: number;
}

/** Reads into `buffer` until it is full or the file ends; returns the count read. */
export async function readFull(file: Deno.FsFile, buffer: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const count = await file.read(buffer.subarray(filled));
    if (count === null) break;
    filled += count;
  }
  return filled;
}

function digest(data: Uint8Array): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
}

/** Hashes the file at `path` chunk by chunk and builds its manifest. */
export async function hashFile(path: string, options: HashFileOptions = {}): Promise<HashedFile> {
  const file = await Deno.open(path, { read: true });
  try {
    const info = await file.stat();
    if (!info.isFile) throw new Error(`${path} is not a regular file`);
    const size = info.size;
    const chunkSize = options.chunkSize ?? chunkSizeFor(size);
    const buffers = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)];
    const hashes: string[] = [];
    let done = 0;
    let inFlight: Promise<ArrayBuffer> | undefined;
    for (let index = 0; done < size; index++) {
      options.signal?.throwIfAborted();
      const buffer = buffers[index % 2];
      const count = await readFull(file, buffer.subarray(0, Math.min(chunkSize, size - done)));
      if (count === 0) throw new Error(`${path} shrank while it was being hashed; try again`);
      if (inFlight) hashes.push(toHex(new Uint8Array(await inFlight)));
      inFlight = digest(buffer.subarray(0, count));
      done += count;
      options.onProgress?.({ bytesDone: done, bytesTotal: size });
    }
    if (inFlight) hashes.push(toHex(new Uint8Array(await inFlight)));
    const after = await file.stat();
    if (after.size !== size || after.mtime?.getTime() !== info.mtime?.getTime()) {
      throw new Error(`${path} changed while it was being hashed; try again once it is stable`);
    }
    const content = { size, chunkSize, chunkHashes: hashes };
    return {
      manifest: { name: basename(path), ...content },
      fileId: await computeFileId(content),
      mtimeMs: info.mtime?.getTime() ?? 0,
    };
  } finally {
    file.close();
  }
}
