/**
 * A peer's persistent state, crash-safe by construction:
 *
 * - `peer.json` (its ID) and `shared.json` (what it shares) are rewritten
 *   whole, written to a temporary file, flushed, then renamed over the old
 *   one: a reader sees the old or the new file, never half of one.
 * - each download has `downloads/<key>.json`, written once the same way, and
 *   `downloads/<key>.chunks`, an append-only journal of verified chunk
 *   indexes (4 bytes each); a torn last record from a crash is ignored. The
 *   key is the file ID, with `-<n>` for one file of a folder fetched alone
 *   (see {@linkcode downloadKey}).
 *
 * JSON files and a journal were chosen over an embedded database because the
 * state is small, rarely rewritten except for the journal, readable by a
 * person, and needs nothing beyond the runtime.
 *
 * A lock file keeps two processes from using one folder at once.
 *
 * @module
 */

import { join } from "node:path";
import { z } from "zod";
import { manifestSchema } from "../protocol/messages.ts";
import { folderFile } from "./folder_file.ts";
import type { Manifest } from "./manifest.ts";

const STATE_VERSION = 1;
const JOURNAL_RECORD_BYTES = 4;

/** How a shared file came to be shared: registered by the user, or downloaded (and re-shared). */
export type ShareOrigin = "registered" | "downloaded";

/** A file the peer shares, as remembered across restarts. */
export interface SharedRecord {
  /** Absolute path. */
  path: string;
  fileId: string;
  /** Modification time it was hashed at, ms since the epoch. */
  mtimeMs: number;
  manifest: Manifest;
  /** How it came to be shared; records from before it was kept count as registered. */
  origin?: ShareOrigin;
}

/** A download in progress, as remembered across restarts. */
export interface DownloadRecord {
  fileId: string;
  manifest: Manifest;
  /** Final path the file will have (its `.part` sits beside it; a folder's staging too). */
  path: string;
  /** The path of the one file of the folder fetched alone, if only one is. */
  inside?: string;
}

const sharedRecordSchema = z.object({
  path: z.string(),
  fileId: z.string(),
  mtimeMs: z.number(),
  manifest: manifestSchema,
  origin: z.enum(["registered", "downloaded"]).optional(),
});
const sharedFileSchema = z.object({
  version: z.literal(STATE_VERSION),
  shared: z.array(sharedRecordSchema),
});
const downloadFileSchema = z.object({
  version: z.literal(STATE_VERSION),
  fileId: z.string(),
  manifest: manifestSchema,
  path: z.string(),
  inside: z.string().optional(),
});

/**
 * What names a download's journal: its file ID, or `<file ID>-<n>` for the
 * file at `inside` of the folder, `n` being its index among the entries
 * (so the folder and several of its files can download at once). Throws
 * when the folder has no file at `inside`, naming the closest it has.
 */
export function downloadKey(record: Omit<DownloadRecord, "path">): string {
  if (record.inside === undefined) return record.fileId;
  return `${record.fileId}-${folderFile(record.manifest, record.inside).entry}`;
}

/** Writes `text` to `path` atomically: temporary file, flush, rename. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  const file = await Deno.open(temporary, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(text);
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(temporary, path);
}

async function readJson<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`${path} is damaged or from another version; move it away to start fresh`);
  }
  return parsed.data;
}

/** Decodes a chunk journal: the indexes it records, a torn last record ignored. */
export function decodeJournal(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const indexes: number[] = [];
  const whole = bytes.length - (bytes.length % JOURNAL_RECORD_BYTES);
  for (let offset = 0; offset < whole; offset += JOURNAL_RECORD_BYTES) {
    indexes.push(view.getUint32(offset));
  }
  return indexes;
}

/** The file in a state folder that a process holds locked while it uses the folder. */
export const LOCK_FILE = "lock";

/** Another process holds the lock of the state folder. */
export class DataDirInUseError extends Error {
  /** Creates the error; `message` says what to do. */
  constructor(message: string) {
    super(message);
    this.name = "DataDirInUseError";
  }
}

/** The state folder of one peer, locked for this process while open. */
export class PeerState {
  readonly dir: string;
  #lock: Deno.FsFile;
  #journals = new Map<string, Deno.FsFile>();
  /** Records being written, by key: what the journal and forgetting the download wait for. */
  #beginnings = new Map<string, Promise<void>>();
  #sharedWrite: Promise<void> = Promise.resolve();

  private constructor(dir: string, lock: Deno.FsFile) {
    this.dir = dir;
    this.#lock = lock;
  }

  /** Opens (creating if needed) and locks the state folder `dir`. */
  static async open(dir: string): Promise<PeerState> {
    await Deno.mkdir(join(dir, "downloads"), { recursive: true });
    const lock = await Deno.open(join(dir, LOCK_FILE), { write: true, create: true });
    const locked = await lock.tryLock(true).catch((error) => {
      lock.close();
      throw error;
    });
    if (!locked) {
      lock.close();
      throw new DataDirInUseError(
        `the data folder ${dir} is in use by another p2pft peer; ` +
          `give this one its own with --data-dir`,
      );
    }
    return new PeerState(dir, lock);
  }

  /** The files shared before. */
  loadShared(): Promise<SharedRecord[]> {
    return loadSharedRecords(this.dir);
  }

  /** Replaces the list of shared files. Writes are serialised, last one wins. */
  saveShared(records: SharedRecord[]): Promise<void> {
    const text = JSON.stringify({ version: STATE_VERSION, shared: records });
    const result = this.#sharedWrite.then(() =>
      writeFileAtomic(join(this.dir, "shared.json"), text)
    );
    this.#sharedWrite = result.catch(() => {});
    return result;
  }

  /** Every unfinished download, with the chunks its journal records. */
  loadDownloads(): Promise<UnfinishedDownload[]> {
    return loadUnfinishedDownloads(this.dir);
  }

  /**
   * Records a download that starts (or restarts) with the chunks `chunks`
   * verified, under its {@linkcode downloadKey}.
   */
  async beginDownload(record: DownloadRecord, chunks: number[]): Promise<void> {
    const key = downloadKey(record);
    const writing = this.#writeRecord(key, { record, chunks });
    const settled = writing.catch(() => {});
    this.#beginnings.set(key, settled);
    try {
      await writing;
    } finally {
      if (this.#beginnings.get(key) === settled) this.#beginnings.delete(key);
    }
  }

  async #writeRecord(
    key: string,
    begun: { record: DownloadRecord; chunks: number[] },
  ): Promise<void> {
    const { record, chunks } = begun;
    await writeFileAtomic(
      join(this.dir, "downloads", `${key}.json`),
      JSON.stringify({ version: STATE_VERSION, ...record }),
    );
    const journal = await Deno.open(this.#journalPath(key), {
      write: true,
      create: true,
      truncate: true,
    });
    this.#journals.get(key)?.close();
    this.#journals.set(key, journal);
    if (chunks.length > 0) await writeAll(journal, encodeJournal(chunks));
  }

  /** Appends a verified chunk to the journal of the download `key` names. */
  async chunkDone(key: string, index: number): Promise<void> {
    await this.#beginnings.get(key);
    const journal = this.#journals.get(key);
    if (journal) await writeAll(journal, encodeJournal([index]));
  }

  /**
   * Forgets the download `key` names (finished or cancelled), once a record
   * of it still being written is written: a download that ends at once leaves
   * nothing to resume.
   */
  async endDownload(key: string): Promise<void> {
    await this.#beginnings.get(key);
    this.#journals.get(key)?.close();
    this.#journals.delete(key);
    for (const path of [join(this.dir, "downloads", `${key}.json`), this.#journalPath(key)]) {
      await Deno.remove(path).catch(() => {});
    }
  }

  /** Closes the journals and releases the lock. */
  async close(): Promise<void> {
    await this.#sharedWrite;
    for (const journal of this.#journals.values()) journal.close();
    this.#journals.clear();
    this.#lock.close();
  }

  #journalPath(key: string): string {
    return journalPath(this.dir, key);
  }
}

/** An unfinished download, with the chunks its journal records. */
export interface UnfinishedDownload {
  record: DownloadRecord;
  chunks: number[];
}

/**
 * The files the state folder `dir` remembers sharing; none when it does not
 * exist. Reads without the lock, as a listing may while the peer runs.
 */
export async function loadSharedRecords(dir: string): Promise<SharedRecord[]> {
  return (await readJson(join(dir, "shared.json"), sharedFileSchema))?.shared ?? [];
}

/**
 * The unfinished downloads the state folder `dir` records; none when it
 * does not exist. Reads without the lock, as a listing may while the peer runs.
 */
export async function loadUnfinishedDownloads(dir: string): Promise<UnfinishedDownload[]> {
  const result: UnfinishedDownload[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(join(dir, "downloads")));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return result;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.name.endsWith(".json")) continue;
    const record = await readJson(join(dir, "downloads", entry.name), downloadFileSchema);
    if (!record) continue;
    const journal = await Deno.readFile(journalPath(dir, downloadKey(record))).catch(() =>
      new Uint8Array()
    );
    const { fileId, manifest, path, inside } = record;
    result.push({
      record: { fileId, manifest, path, ...(inside === undefined ? {} : { inside }) },
      chunks: decodeJournal(journal),
    });
  }
  return result;
}

function journalPath(dir: string, key: string): string {
  return join(dir, "downloads", `${key}.chunks`);
}

function encodeJournal(indexes: number[]): Uint8Array {
  const bytes = new Uint8Array(indexes.length * JOURNAL_RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  indexes.forEach((index, i) => view.setUint32(i * JOURNAL_RECORD_BYTES, index));
  return bytes;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}
