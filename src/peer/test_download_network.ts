/**
 * A fake network for the tests of {@linkcode Download}: sources that answer
 * chunk requests from memory as each test says (good, bad, hanging or
 * refusing), no sockets, and a download of their file or folder into a
 * temporary folder. Used by download_test.ts and download_faults_test.ts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ConnectionClosedError, RemoteError } from "../protocol/connection.ts";
import type { Manifest, Source } from "../protocol/messages.ts";
import { withTimeout } from "../protocol/timeouts.ts";
import { hashFile } from "../storage/hash_file.ts";
import { hashFolder } from "../storage/hash_folder.ts";
import { ChunkHasher } from "../storage/hasher.ts";
import { chunkLength, chunkOffset } from "../storage/manifest.ts";
import { tempDir } from "../test_dir.ts";
import { BufferPool } from "./buffer_pool.ts";
import type { ChunkConnection, ConnectionSource } from "./chunk_requests.ts";
import { Download } from "./download.ts";
import type { DownloadOptions } from "./download_options.ts";

/** Chunk size of the fake network's files. */
export const CHUNK = 1024;
/** Size of the fake network's file (or folder), in bytes: ten whole chunks and a short one. */
export const SIZE = 10 * CHUNK + 100;
/** Chunks of the fake network's file. */
export const CHUNKS = 11;
const TEST_TIMEOUT_MS = 10_000;

/** What a fake peer does with a request for chunk `index`, asked for the `attempt`th time. */
type Answer = "good" | "bad" | "hang" | "refuse";
type Behaviour = (index: number, attempt: number) => Answer;

/** Everything the fake network saw, in order. */
type NetEvent =
  | { t: "get"; address: string; index: number; id: number }
  | { t: "cancel"; address: string; id: number; reason: string }
  | { t: "drop"; address: string };

/** A source that answers from memory, as its behaviour says; no sockets. */
class FakePeer {
  down = false;
  #connection: FakeConnection | undefined;
  #attempts = new Map<number, number>();

  constructor(
    readonly address: string,
    readonly net: { bytes: Uint8Array; manifest: Manifest; events: NetEvent[] },
    readonly behaviour: Behaviour,
  ) {}

  /** The open connection to this peer, a new one after the last was closed. */
  connect(): FakeConnection {
    if (!this.#connection || this.#connection.closed) this.#connection = new FakeConnection(this);
    return this.#connection;
  }

  /** What to do with the `attempt`th request for chunk `index`. */
  answer(index: number): Answer {
    const attempt = (this.#attempts.get(index) ?? 0) + 1;
    this.#attempts.set(index, attempt);
    return this.behaviour(index, attempt);
  }

  /** The connection breaks: what is pending fails as closed, new connections are refused. */
  goDown(): void {
    this.down = true;
    this.#connection?.close();
  }

  /** Requests waiting for an answer on the open connection. */
  get pending(): number {
    return this.#connection?.pending ?? 0;
  }

  close(): void {
    this.#connection?.close();
  }
}

/** One connection to a {@linkcode FakePeer}; closed, it fails requests as a real one does. */
class FakeConnection implements ChunkConnection {
  closed = false;
  #peer: FakePeer;
  #nextId = 1;
  #pending = new Map<number, (error: Error) => void>();

  constructor(peer: FakePeer) {
    this.#peer = peer;
  }

  get pending(): number {
    return this.#pending.size;
  }

  requestData(
    message: Record<string, unknown>,
    allocate: (length: number) => Uint8Array,
    options: { onId?: (id: number) => void; onFilled?: (filled: number) => void } = {},
  ): Promise<Uint8Array> {
    const { address, net } = this.#peer;
    if (this.closed) return Promise.reject(new ConnectionClosedError(address));
    const id = this.#nextId++;
    const index = message.index as number;
    options.onId?.(id);
    net.events.push({ t: "get", address, index, id });
    const answer = this.#peer.answer(index);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, reject);
      if (answer === "hang") return;
      setTimeout(() => {
        if (!this.#pending.delete(id)) return;
        if (answer === "refuse") {
          reject(new RemoteError({ t: "error", code: "unavailable", message: "not here" }));
          return;
        }
        try {
          const target = allocate(chunkLength(net.manifest, index));
          const offset = chunkOffset(net.manifest, index);
          target.set(net.bytes.subarray(offset, offset + target.length));
          if (answer === "bad") target[0] ^= 0xff;
          options.onFilled?.(target.length);
          resolve(target);
        } catch (error) {
          reject(error);
        }
      }, 0);
    });
  }

  cancel(id: number, reason = "cancelled"): void {
    const reject = this.#pending.get(id);
    if (!reject) return;
    this.#peer.net.events.push({ t: "cancel", address: this.#peer.address, id, reason });
    this.#pending.delete(id);
    reject(new Error(reason));
  }

  close(): void {
    this.closed = true;
    for (const reject of this.#pending.values()) {
      reject(new ConnectionClosedError(this.#peer.address));
    }
    this.#pending.clear();
  }
}

/** Files of the folder a fake network may share: path, size, executable; SIZE bytes in all. */
const FOLDER_FILES: [string, number, boolean][] = [
  ["a/one.bin", 2500, false],
  ["b/two.bin", 3000, true],
  ["c.bin", SIZE - 5500, false],
];

/**
 * A fake network of sources for one file (or, with `folder`, a folder of
 * {@linkcode FOLDER_FILES}), with a download into a temporary folder.
 */
export async function network(options: { folder?: boolean } = {}) {
  const dir = await tempDir();
  const bytes = crypto.getRandomValues(new Uint8Array(SIZE));
  const original = join(dir.path, options.folder ? "album" : "file.bin");
  if (options.folder) {
    let offset = 0;
    for (const [path, size, executable] of FOLDER_FILES) {
      await Deno.mkdir(join(original, path, ".."), { recursive: true });
      await Deno.writeFile(join(original, path), bytes.subarray(offset, offset + size), {
        mode: executable ? 0o755 : 0o644,
      });
      offset += size;
    }
  } else await Deno.writeFile(original, bytes);
  const { fileId, manifest } = options.folder
    ? await hashFolder(original, { chunkSize: CHUNK })
    : await hashFile(original, { chunkSize: CHUNK });
  const outDir = join(dir.path, "out");
  const events: NetEvent[] = [];
  const peers = new Map<string, FakePeer>();
  let listed: Source[] = [];
  const hasher = new ChunkHasher();
  const pool: ConnectionSource = {
    get(address) {
      const peer = peers.get(address);
      if (!peer || peer.down) return Promise.reject(new Deno.errors.ConnectionRefused(address));
      return Promise.resolve(peer.connect());
    },
    drop(address) {
      events.push({ t: "drop", address });
      peers.get(address)?.close();
    },
  };
  const chunksDone: number[] = [];
  const net = {
    fileId,
    manifest,
    bytes,
    outDir,
    events,
    chunksDone,
    /** Adds a source holding `chunks` (all by default), answering as `behaviour` says. */
    source(name: string, behaviour: Behaviour = () => "good", chunks?: number[]): FakePeer {
      const address = `10.0.0.${peers.size + 1}:${name.charCodeAt(0)}`;
      const peer = new FakePeer(address, { bytes, manifest, events }, behaviour);
      peers.set(address, peer);
      listed = [...listed, { peerId: name, address, ...(chunks ? { chunks: bits(chunks) } : {}) }];
      return peer;
    },
    /** Lists only the named sources from now on. */
    list(...names: string[]) {
      listed = listed.filter((source) => names.includes(source.peerId));
    },
    /** A download of this file described by `described` (the file's own manifest by default). */
    download(options: Partial<DownloadOptions> = {}, described: Manifest = manifest): Download {
      return new Download(fileId, described, {
        id: 1,
        outDir,
        pool,
        hasher,
        buffers: new BufferPool(4, CHUNK),
        findSources: () => Promise.resolve({ sources: listed, complete: true }),
        selfId: "me",
        onChunk: (index) => chunksDone.push(index),
        ...options,
      });
    },
    gets(address: string): number[] {
      return events.flatMap((e) => e.t === "get" && e.address === address ? [e.index] : []);
    },
    async [Symbol.asyncDispose]() {
      hasher.close();
      await dir[Symbol.asyncDispose]();
    },
  };
  return net;
}

/** The base64 bitfield of `chunks` among the file's. */
function bits(chunks: number[]): string {
  const bytes = new Uint8Array(Math.ceil(CHUNKS / 8));
  for (const index of chunks) bytes[index >> 3] |= 0x80 >> (index & 7);
  return btoa(String.fromCharCode(...bytes));
}

/** The result of `download`, or a failure after the test timeout. */
export function finished(download: Download) {
  return withTimeout(download.done, { ms: TEST_TIMEOUT_MS, what: "the download" });
}

/** Resolves once `condition` holds; fails after the test timeout, naming `what`. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + TEST_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Asserts that `path` holds the network's bytes and that no `.part` is left beside it. */
export async function assertSaved(net: { bytes: Uint8Array }, path: string): Promise<void> {
  assert.deepEqual(await Deno.readFile(path), net.bytes, "the saved file is the original");
  await assert.rejects(Deno.stat(`${path}.part`), Deno.errors.NotFound);
}
