/**
 * An index of peers, files and holdings: which peers are alive, which files
 * exist, and which peer holds which chunks. The central server keeps one; a
 * peer in LAN mode builds one from what its neighbours answer. Pure data, no
 * I/O, so every rule is unit-tested.
 *
 * Every question costs what its answer holds, not what the index holds:
 * files are kept sorted (a prefix is a range found by binary search: see
 * file_listing.ts),
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
import { byName, compareText, FileListing, type FileMatch, type Page } from "./file_listing.ts";
import { AMBIGUOUS_SHOWN, LookupError, resolveFileId } from "./file_lookup.ts";
import { MAX_SOURCES_PER_REPLY } from "../constants.ts";
import { MAX_HAVE_FORWARDS } from "./constants.ts";

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

/** Options of {@linkcode FileIndex}. */
export interface FileIndexOptions {
  /** Picks the sources sampled when more than `MAX_SOURCES_PER_REPLY` hold a file; default `Math.random`. */
  random?: Random;
}

/** Peers, files and holdings, keyed by peer ID and file ID. */
export class FileIndex {
  #peers = new Map<string, PeerEntry>();
  #files = new Map<string, FileEntry>();
  #listing = new FileListing<FileEntry>();
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
    return resolveFileId(
      query,
      (prefix) => this.#listing.page({ limit: AMBIGUOUS_SHOWN }, { idPrefix: prefix }),
    );
  }

  /**
   * A page of the indexed files that `match` takes (all by default), one
   * line each, and how many it takes in all. Costs the page, plus a binary
   * search for a prefix: never a walk over the index.
   */
  files(page: Page = {}, match: FileMatch = {}): { files: FileSummary[]; total: number } {
    const { entries, total } = this.#listing.page(page, match);
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
    this.#listing.add(file);
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
    this.#listing.delete(file);
    this.#bytesIndexed -= file.manifest.size;
  }
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
