/**
 * An index of peers, files and holdings: which peers are alive, which files
 * exist, and which peer holds which chunks. The central server keeps one; a
 * peer in LAN mode builds one from what its neighbours answer. Pure data, no
 * I/O, so every rule is unit-tested.
 *
 * Every question costs what its answer holds, not what the index holds:
 * file IDs are kept sorted (a prefix is a range found by binary search),
 * each file knows its holders (a lookup never walks the peers), each peer
 * knows its files (leaving never walks the files), and listings are pages.
 *
 * @module
 */

import type {
  FileSummary,
  LookupResult,
  Manifest,
  PeerSummary,
  Source,
  SourcesResult,
} from "../protocol/messages.ts";
import { Bitfield } from "./bitfield.ts";
import { type Random, RandomBag, sampleMix } from "./random_bag.ts";
import { checkRoom, manifestCost } from "./share_limits.ts";
import { SortedList } from "./sorted_list.ts";
import { FILE_ID_HEX_LENGTH, MAX_HAVE_FORWARDS, MAX_SOURCES_PER_REPLY } from "../constants.ts";

/** Why a lookup failed; sent to the peer as the error code. */
export type LookupFailure = "not-found" | "ambiguous" | "bad-query";

/** A lookup that cannot be answered, with a message for the user. */
export class LookupError extends Error {
  /** Machine-readable reason. */
  readonly code: LookupFailure;
  constructor(code: LookupFailure, message: string) {
    super(message);
    this.name = "LookupError";
    this.code = code;
  }
}

interface PeerEntry {
  peerId: string;
  address: string;
  lastSeen: number;
  /** IDs of the files it holds some of. */
  files: Set<string>;
  /** What its files' manifests count against `MAX_MANIFEST_BYTES_PER_PEER`. */
  manifestBytes: number;
}

interface FileEntry {
  fileId: string;
  /** Stored once, however many peers share it. */
  manifest: Manifest;
  /** How many files a folder holds; `undefined` for a file. */
  fileCount: number | undefined;
  /** Peer ID -> chunks held. */
  holdings: Map<string, Bitfield>;
  /** Holders of every chunk. */
  seeders: RandomBag<string>;
  /** Holders of some chunks but not all. */
  partial: RandomBag<string>;
  /** Holders of no chunk yet (a download that just started). */
  empty: RandomBag<string>;
}

/** Totals shown by the server's status. */
export interface IndexStats {
  /** Live peers. */
  peers: number;
  /** Distinct files with at least one source. */
  files: number;
  /** Sum of the sizes of those files. */
  bytesIndexed: number;
}

/** Which entries of a listing: from `offset` (default 0), at most `limit` (default all). */
export interface Page {
  offset?: number;
  limit?: number;
}

/**
 * Which files a listing holds: those whose ID starts with `idPrefix`
 * (hex, any case), in ID order; else those whose name starts with
 * `namePrefix` (exactly), in name order; else all, by name.
 */
export interface FileMatch {
  idPrefix?: string;
  namePrefix?: string;
}

/** Options of {@linkcode FileIndex}. */
export interface FileIndexOptions {
  /** Picks the sources sampled when more than `MAX_SOURCES_PER_REPLY` hold a file; default `Math.random`. */
  random?: Random;
}

const PREFIX_PATTERN = /^[0-9a-f]+$/;
/** Sorts after every hex digit: `prefix + PAST_HEX` bounds the IDs that start with `prefix`. */
const PAST_HEX = "g";
/** Shortest prefix accepted, so that a typo does not match half the index. */
export const MIN_PREFIX_LENGTH = 4;
/** Matches named in an "ambiguous" error. */
const AMBIGUOUS_SHOWN = 3;
/** Digits of each match shown in an "ambiguous" error. */
const AMBIGUOUS_DIGITS = 12;
// Made on first use: a collator costs about 10 ms of CPU to make, which
// processes that never sort names (most peers) then do not pay at start-up.
let collator: Intl.Collator | undefined;

function byName(a: string, b: string): number {
  collator ??= new Intl.Collator();
  return collator.compare(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Peers, files and holdings, keyed by peer ID and file ID. */
export class FileIndex {
  #peers = new Map<string, PeerEntry>();
  #files = new Map<string, FileEntry>();
  #ids = new SortedList<string>(compareText);
  #filesByName = new SortedList<FileEntry>((a, b) =>
    byName(a.manifest.name, b.manifest.name) || compareText(a.fileId, b.fileId)
  );
  /** By name in plain code-unit order, where a prefix is one range. */
  #filesByPlainName = new SortedList<FileEntry>((a, b) =>
    compareText(a.manifest.name, b.manifest.name) || compareText(a.fileId, b.fileId)
  );
  #peersByAddress = new SortedList<PeerEntry>((a, b) =>
    byName(a.address, b.address) || compareText(a.peerId, b.peerId)
  );
  #bytesIndexed = 0;
  #random: Random;

  /** An empty index. */
  constructor(options: FileIndexOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  /** Adds (or re-adds, forgetting its holdings) a peer reachable at `address`. */
  addPeer(peerId: string, options: { address: string; now: number }): void {
    this.removePeer(peerId);
    const entry: PeerEntry = {
      peerId,
      address: options.address,
      lastSeen: options.now,
      files: new Set(),
      manifestBytes: 0,
    };
    this.#peers.set(peerId, entry);
    this.#peersByAddress.add(entry);
  }

  /** True when `peerId` is registered. */
  hasPeer(peerId: string): boolean {
    return this.#peers.has(peerId);
  }

  /** Forgets a peer and what it held, in time that follows what it held. */
  removePeer(peerId: string): void {
    const entry = this.#peers.get(peerId);
    if (!entry) return;
    this.#peers.delete(peerId);
    this.#peersByAddress.delete(entry);
    for (const fileId of entry.files) this.#release(entry, fileId);
  }

  /** Records that `peerId` was heard from at `now`. */
  touch(peerId: string, now: number): void {
    const entry = this.#peers.get(peerId);
    if (entry) entry.lastSeen = now;
  }

  /** IDs of the registered peers, in no particular order. */
  peerIds(): IterableIterator<string> {
    return this.#peers.keys();
  }

  /** What `peerId` shares: each file with its manifest and the chunks it holds (a copy). */
  holdingsOf(peerId: string): { fileId: string; manifest: Manifest; chunks: Bitfield }[] {
    const entry = this.#peers.get(peerId);
    if (!entry) return [];
    return [...entry.files].map((fileId) => {
      const file = this.#files.get(fileId)!;
      const held = file.holdings.get(peerId)!;
      return {
        fileId,
        manifest: file.manifest,
        chunks: Bitfield.fromBase64(held.toBase64(), held.size),
      };
    });
  }

  /**
   * Records that `peerId` shares `fileId` (all chunks unless `chunks` says
   * otherwise). Throws `ShareLimitError` (see share_limits.ts) when a new file would take
   * the peer past `MAX_FILES_PER_PEER` or `MAX_MANIFEST_BYTES_PER_PEER`.
   */
  share(peerId: string, options: { fileId: string; manifest: Manifest; chunks?: Bitfield }): void {
    const peer = this.#requirePeer(peerId);
    let file = this.#files.get(options.fileId);
    const manifest = file?.manifest ?? options.manifest;
    const isNew = !peer.files.has(options.fileId);
    if (isNew) checkRoom({ files: peer.files.size, manifestBytes: peer.manifestBytes }, manifest);
    if (!file) file = this.#addFile(options.fileId, manifest);
    const holding = options.chunks ?? Bitfield.full(manifest.chunkHashes.length);
    file.holdings.set(peerId, holding);
    place(file, peerId, holding);
    if (isNew) {
      peer.files.add(options.fileId);
      peer.manifestBytes += manifestCost(manifest);
    }
  }

  /** Adds chunks to what `peerId` holds of `fileId` (a downloader announcing progress). */
  have(peerId: string, options: { fileId: string; chunks: number[] }): void {
    this.#requirePeer(peerId);
    const file = this.#files.get(options.fileId);
    const holding = file?.holdings.get(peerId);
    if (!file || !holding) {
      throw new LookupError("not-found", `announce chunks of an unshared file`);
    }
    for (const index of options.chunks) {
      if (index >= holding.size) throw new RangeError(`chunk ${index} out of range`);
      holding.set(index);
    }
    place(file, peerId, holding);
  }

  /**
   * Peers other than `except` still downloading `fileId` (holding part of
   * it): at most `MAX_HAVE_FORWARDS`, picked at random when there are more.
   */
  downloaders(fileId: string, except: string): string[] {
    const file = this.#files.get(fileId);
    if (!file) return [];
    return sampleMix([file.partial, file.empty], {
      count: MAX_HAVE_FORWARDS + 1,
      random: this.#random,
    }).filter((peerId) => peerId !== except).slice(0, MAX_HAVE_FORWARDS);
  }

  /** The address `peerId` is reached at, if registered. */
  addressOf(peerId: string): string | undefined {
    return this.#peers.get(peerId)?.address;
  }

  /** Records that `peerId` no longer shares `fileId`. */
  unshare(peerId: string, fileId: string): void {
    const peer = this.#requirePeer(peerId);
    if (peer.files.delete(fileId)) this.#release(peer, fileId);
  }

  /** The manifest held for `fileId` (a full ID), if any peer shares it. */
  manifestOf(fileId: string): Manifest | undefined {
    return this.#files.get(fileId)?.manifest;
  }

  /** Finds a file by full ID or unique prefix (case-insensitive), with its sources as {@linkcode sources} gives them. */
  lookup(query: string): LookupResult {
    const fileId = this.resolve(query);
    return { fileId, manifest: this.#files.get(fileId)!.manifest, ...this.sources(fileId) };
  }

  /**
   * Who holds some of `fileId` (a full ID), and how many in all. Past
   * `MAX_SOURCES_PER_REPLY` holders, a random sample, half of it complete
   * holders and half partial ones (either half topped up from the other when
   * short): every ask draws anew, so downloaders spread over all holders,
   * and a crowd of partial holders cannot hide every seeder.
   */
  sources(fileId: string): SourcesResult {
    const file = this.#files.get(fileId);
    if (!file) {
      throw new LookupError("not-found", `no file with ID ${fileId} is shared on the network`);
    }
    const total = file.seeders.size + file.partial.size;
    const holders = total <= MAX_SOURCES_PER_REPLY
      ? [...file.seeders.values(), ...file.partial.values()]
      : sampleMix([file.seeders, file.partial], {
        count: MAX_SOURCES_PER_REPLY,
        random: this.#random,
      });
    return { sources: holders.map((peerId) => this.#source(file, peerId)), total };
  }

  /** The full file ID for `query` (an ID or unique prefix); throws {@linkcode LookupError}. */
  resolve(query: string): string {
    const prefix = query.trim().toLowerCase();
    if (!PREFIX_PATTERN.test(prefix) || prefix.length > FILE_ID_HEX_LENGTH) {
      throw new LookupError("bad-query", `"${query}" is not a file ID: use hex digits`);
    }
    if (prefix.length < MIN_PREFIX_LENGTH) {
      throw new LookupError(
        "bad-query",
        `"${query}" is too short: give at least ${MIN_PREFIX_LENGTH} hex digits of the file ID`,
      );
    }
    if (this.#files.has(prefix)) return prefix;
    const start = this.#ids.rank(prefix);
    const matches = this.#ids.rank(prefix + PAST_HEX) - start;
    if (matches === 0) {
      throw new LookupError("not-found", `no file with ID ${prefix} is shared on the network`);
    }
    const shown = this.#ids.slice(start, AMBIGUOUS_SHOWN);
    if (matches > 1) {
      throw new LookupError(
        "ambiguous",
        `prefix ${prefix} matches ${matches} files (${
          shown.map((id) =>
            `${id.slice(0, AMBIGUOUS_DIGITS)} ${this.#files.get(id)!.manifest.name}`
          )
            .join(", ")
        }...): give more digits`,
      );
    }
    return shown[0];
  }

  /**
   * A page of the indexed files that `match` takes (all by default), one
   * line each, and how many it takes in all. Costs the page, plus a binary
   * search for a prefix: never a walk over the index.
   */
  files(page: Page = {}, match: FileMatch = {}): { files: FileSummary[]; total: number } {
    const offset = page.offset ?? 0;
    const limit = page.limit ?? Infinity;
    let entries: FileEntry[];
    let total: number;
    if (match.idPrefix !== undefined) {
      const prefix = match.idPrefix.toLowerCase();
      const start = this.#ids.rank(prefix);
      total = this.#ids.rank(prefix + PAST_HEX) - start;
      entries = this.#ids.slice(start + offset, Math.min(limit, total - offset))
        .map((id) => this.#files.get(id)!);
    } else if (match.namePrefix) {
      const probe = (name: string) => ({ manifest: { name }, fileId: "" }) as FileEntry;
      const start = this.#filesByPlainName.rank(probe(match.namePrefix));
      total = this.#filesByPlainName.rank(probe(pastPrefix(match.namePrefix))) - start;
      entries = this.#filesByPlainName.slice(start + offset, Math.min(limit, total - offset));
    } else {
      total = this.#files.size;
      entries = this.#filesByName.slice(offset, limit);
    }
    return { files: entries.map(summary), total };
  }

  /** A page of the live peers, by address, with the age of their last message at `now`, and how many there are. */
  peers(now: number, page: Page = {}): { peers: PeerSummary[]; total: number } {
    const peers = this.#peersByAddress.slice(page.offset ?? 0, page.limit ?? Infinity).map((
      entry,
    ) => ({
      peerId: entry.peerId,
      address: entry.address,
      files: entry.files.size,
      lastSeenMs: Math.max(0, now - entry.lastSeen),
    }));
    return { peers, total: this.#peers.size };
  }

  /** Totals for the status display. */
  stats(): IndexStats {
    return { peers: this.#peers.size, files: this.#files.size, bytesIndexed: this.#bytesIndexed };
  }

  #requirePeer(peerId: string): PeerEntry {
    const entry = this.#peers.get(peerId);
    if (!entry) throw new LookupError("not-found", `peer ${peerId} is not registered`);
    return entry;
  }

  #source(file: FileEntry, peerId: string): Source {
    const holding = file.holdings.get(peerId)!;
    return {
      peerId,
      address: this.#peers.get(peerId)!.address,
      ...(holding.complete ? {} : { chunks: holding.toBase64() }),
    };
  }

  #addFile(fileId: string, manifest: Manifest): FileEntry {
    const file: FileEntry = {
      fileId,
      manifest,
      fileCount: manifest.entries?.filter((entry) => entry.kind !== "folder").length,
      holdings: new Map(),
      seeders: new RandomBag(),
      partial: new RandomBag(),
      empty: new RandomBag(),
    };
    this.#files.set(fileId, file);
    this.#ids.add(fileId);
    this.#filesByName.add(file);
    this.#filesByPlainName.add(file);
    this.#bytesIndexed += manifest.size;
    return file;
  }

  /** Takes `peer`'s holding of `fileId` away, and the file with it when no one else holds it. */
  #release(peer: PeerEntry, fileId: string): void {
    const file = this.#files.get(fileId);
    if (!file) return;
    file.holdings.delete(peer.peerId);
    unplace(file, peer.peerId);
    peer.manifestBytes -= manifestCost(file.manifest);
    if (file.holdings.size > 0) return;
    this.#files.delete(fileId);
    this.#ids.delete(fileId);
    this.#filesByName.delete(file);
    this.#filesByPlainName.delete(file);
    this.#bytesIndexed -= file.manifest.size;
  }
}

/** The first string past every string that starts with `prefix` (not empty), in code-unit order. */
function pastPrefix(prefix: string): string {
  const last = prefix.length - 1;
  return prefix.slice(0, last) + String.fromCharCode(prefix.charCodeAt(last) + 1);
}

/** The listing line of `file`. */
function summary(file: FileEntry): FileSummary {
  return {
    fileId: file.fileId,
    name: file.manifest.name,
    size: file.manifest.size,
    sources: file.holdings.size,
    seeders: file.seeders.size,
    ...(file.fileCount === undefined ? {} : { files: file.fileCount }),
  };
}

/** Files the holder of `holding` under the bag its progress belongs to. */
function place(file: FileEntry, peerId: string, holding: Bitfield): void {
  unplace(file, peerId);
  const bag = holding.complete ? file.seeders : holding.count > 0 ? file.partial : file.empty;
  bag.add(peerId);
}

function unplace(file: FileEntry, peerId: string): void {
  file.seeders.delete(peerId);
  file.partial.delete(peerId);
  file.empty.delete(peerId);
}
