/**
 * The verified bytes of a network item for the browser: read from disk when
 * this peer holds it whole, else fetched through the swarm by an ordinary
 * download (listed with the others, shared as it goes) and handed out
 * chunk by chunk, in order, as each is verified. Waiting for a chunk is a
 * cheap poll of the download's bitfield, never work on the transfer path.
 *
 * @module
 */

import type { Download } from "../peer/download.ts";
import { HEX_QUERY, splitQuery } from "../peer/file_query.ts";
import type { Manifest } from "../protocol/messages.ts";
import { folderFile } from "../storage/folder_file.ts";
import type { StreamFile } from "../storage/folder_stream.ts";
import { chunkLength } from "../storage/manifest.ts";
import { ApiError } from "./api_errors.ts";
import { connected, type WebContext } from "./web_context.ts";

/** How often a reader looks whether the chunk it waits for is verified. */
export const CHUNK_POLL_MS = 50;

/**
 * Reads of a verified chunk of a download that may fail in a row (polled
 * {@linkcode CHUNK_POLL_MS} apart) while the download ends and its file is
 * shared whole, before the stream fails.
 */
const MAX_MISSES = 100;

/** Bytes read from disk at a time. */
const READ_BYTES = 1 << 20;

/** An item of the network asked for by `/files/:id`: a file, a folder, or a file of a folder. */
export interface Item {
  fileId: string;
  manifest: Manifest;
  /** The file of the folder asked for, with where its bytes lie in the folder's stream. */
  inside?: StreamFile;
  /** The name the browser saves it as. */
  name: string;
  /** Its size in bytes (of the file inside, if one is asked for). */
  size: number;
}

/** The item `/files/:id` names: `ID`, a unique ID prefix, or `ID:path/inside`. */
export async function findItem(context: WebContext, text: string): Promise<Item> {
  const { query, inside } = splitQuery(text);
  if (!HEX_QUERY.test(query)) {
    throw new ApiError(404, `${query} is not a file ID: /files/ takes an ID or ID:path/inside`);
  }
  const id = query.toLowerCase();
  const { fileId, manifest } = context.peer.served(id) ?? await lookUp(context, id);
  if (inside === undefined) return { fileId, manifest, name: manifest.name, size: manifest.size };
  const file = folderFile(manifest, inside).file;
  return { fileId, manifest, inside: file, name: file.path.split("/").pop()!, size: file.size };
}

async function lookUp(context: WebContext, id: string) {
  await connected(context.peer);
  return await context.peer.lookup(id);
}

/**
 * The bytes `start` to `end` (inclusive) of `item` (of its file inside, if
 * one is asked for), as a stream that fetches them as it is read.
 */
export function itemStream(
  context: WebContext,
  item: Item,
  range: { start: number; end: number },
): ReadableStream<Uint8Array> {
  const reader = new ItemReader(context, item);
  let position = range.start;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (position > range.end) {
        reader.close();
        controller.close();
        return;
      }
      const bytes = await reader.read(position, range.end);
      position += bytes.length;
      controller.enqueue(bytes);
    },
    cancel: () => reader.close(),
  }, { highWaterMark: 0 });
}

/** Reads an item's bytes from wherever they are now, starting a download when needed. */
class ItemReader {
  #context: WebContext;
  #item: Item;
  #download: Download | undefined;
  #file: { path: string; handle: Deno.FsFile; at: number } | undefined;
  #offset: number;
  /** Failed reads of a download's chunks in a row. */
  #misses = 0;

  constructor(context: WebContext, item: Item) {
    this.#context = context;
    this.#item = item;
    this.#offset = item.inside?.start ?? 0;
  }

  /** Some bytes from `position` on (item coordinates), at most up to `end`. */
  async read(position: number, end: number): Promise<Uint8Array> {
    for (;;) {
      const path = this.#wholePath();
      if (path !== undefined) return await this.#readFile(path, position, end);
      const served = this.#context.peer.served(this.#item.fileId);
      const streamAt = this.#offset + position;
      const index = Math.floor(streamAt / this.#item.manifest.chunkSize);
      if (served?.chunks?.has(index)) {
        const chunk = new Uint8Array(chunkLength(this.#item.manifest, index));
        try {
          await served.read(index, chunk);
          this.#misses = 0;
        } catch (error) {
          // The download just ended: its .part is renamed and closed, the whole file not yet shared.
          if (++this.#misses > MAX_MISSES) throw error;
          await new Promise((resolve) => setTimeout(resolve, CHUNK_POLL_MS));
          continue;
        }
        const from = streamAt - index * this.#item.manifest.chunkSize;
        const length = Math.min(chunk.length - from, end - position + 1);
        return chunk.subarray(from, from + length);
      }
      await this.#wait(served === undefined);
    }
  }

  close(): void {
    this.#file?.handle.close();
    this.#file = undefined;
  }

  /**
   * The path of a file holding the bytes whole, if there is one: the shared
   * file, or what this reader's download produced (a file of a folder, or a
   * file this peer does not re-share).
   */
  #wholePath(): string | undefined {
    if (this.#file) return this.#file.path;
    const served = this.#context.peer.served(this.#item.fileId);
    if (served && served.chunks === undefined) {
      if (this.#item.inside === undefined) return served.path;
      return `${served.path}/${this.#item.inside.path}`;
    }
    const progress = this.#download?.progress();
    if (progress?.state !== "done" || progress.path === undefined) return undefined;
    if (this.#item.inside !== undefined && this.#download!.inside === undefined) {
      return `${progress.path}/${this.#item.inside.path}`;
    }
    return progress.path;
  }

  async #readFile(path: string, position: number, end: number): Promise<Uint8Array> {
    if (!this.#file || this.#file.path !== path) {
      this.close();
      this.#file = { path, handle: await Deno.open(path, { read: true }), at: -1 };
    }
    const file = this.#file;
    if (file.at !== position) await file.handle.seek(position, Deno.SeekMode.Start);
    const buffer = new Uint8Array(Math.min(READ_BYTES, end - position + 1));
    let filled = 0;
    while (filled < buffer.length) {
      const count = await file.handle.read(buffer.subarray(filled));
      if (count === null) break;
      filled += count;
    }
    if (filled === 0) throw new Error(`${path} is shorter than the file it should hold`);
    file.at = position + filled;
    return buffer.subarray(0, filled);
  }

  /** Starts the download when none runs, or waits a little for the next chunk. */
  async #wait(notServed: boolean): Promise<void> {
    const download = this.#download;
    const state = download?.progress().state;
    if (state === "failed" || state === "cancelled") {
      throw new Error(`download of ${this.#item.name} ${state}: ${download!.progress().message}`);
    }
    if (download === undefined && notServed) {
      const { fileId, inside } = this.#item;
      const query = inside === undefined ? fileId : `${fileId}:${inside.path}`;
      this.#download = await this.#context.peer.download(query, this.#context.outDir, {
        inOrder: true,
      });
      this.#context.changed("downloads");
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, CHUNK_POLL_MS));
  }
}
