/**
 * An index of peers, files and holdings: which peers are alive, which files
 * exist, and which peer holds which chunks. The central server keeps one; a
 * peer in LAN mode builds one from what its neighbours answer. Pure data, no
 * I/O, so every rule is unit-tested.
 *
 * @module
 */

import type {
  FileSummary,
  LookupResult,
  Manifest,
  PeerSummary,
  Source,
} from "../protocol/messages.ts";
import { Bitfield } from "./bitfield.ts";
import { FILE_ID_HEX_LENGTH } from "../constants.ts";

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
  /** File ID -> chunks held. */
  holdings: Map<string, Bitfield>;
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

const PREFIX_PATTERN = /^[0-9a-f]+$/;
/** Shortest prefix accepted, so that a typo does not match half the index. */
export const MIN_PREFIX_LENGTH = 4;

/** Peers, files and holdings, keyed by peer ID and file ID. */
export class FileIndex {
  #peers = new Map<string, PeerEntry>();
  #manifests = new Map<string, Manifest>();

  /** Adds (or re-adds, forgetting its holdings) a peer reachable at `address`. */
  addPeer(peerId: string, options: { address: string; now: number }): void {
    this.removePeer(peerId);
    this.#peers.set(peerId, {
      peerId,
      address: options.address,
      lastSeen: options.now,
      holdings: new Map(),
    });
  }

  /** True when `peerId` is registered. */
  hasPeer(peerId: string): boolean {
    return this.#peers.has(peerId);
  }

  /** Forgets a peer and what it held. */
  removePeer(peerId: string): void {
    const entry = this.#peers.get(peerId);
    if (!entry) return;
    this.#peers.delete(peerId);
    for (const fileId of entry.holdings.keys()) this.#forgetIfOrphan(fileId);
  }

  /** Records that `peerId` was heard from at `now`. */
  touch(peerId: string, now: number): void {
    const entry = this.#peers.get(peerId);
    if (entry) entry.lastSeen = now;
  }

  /** Peers silent for longer than `timeoutMs` at `now`. */
  expired(now: number, timeoutMs: number): string[] {
    return [...this.#peers.values()]
      .filter((entry) => now - entry.lastSeen > timeoutMs)
      .map((entry) => entry.peerId);
  }

  /** Records that `peerId` shares `fileId` (all chunks unless `chunks` says otherwise). */
  share(peerId: string, options: { fileId: string; manifest: Manifest; chunks?: Bitfield }): void {
    const entry = this.#requirePeer(peerId);
    const known = this.#manifests.get(options.fileId);
    if (!known) this.#manifests.set(options.fileId, options.manifest);
    const count = (known ?? options.manifest).chunkHashes.length;
    entry.holdings.set(options.fileId, options.chunks ?? Bitfield.full(count));
  }

  /** Adds chunks to what `peerId` holds of `fileId` (a downloader announcing progress). */
  have(peerId: string, options: { fileId: string; chunks: number[] }): void {
    const holding = this.#requirePeer(peerId).holdings.get(options.fileId);
    if (!holding) throw new LookupError("not-found", `announce chunks of an unshared file`);
    for (const index of options.chunks) {
      if (index >= holding.size) throw new RangeError(`chunk ${index} out of range`);
      holding.set(index);
    }
  }

  /** Peers other than `except` still downloading `fileId` (holding part of it). */
  downloaders(fileId: string, except: string): string[] {
    const result: string[] = [];
    for (const entry of this.#peers.values()) {
      const holding = entry.holdings.get(fileId);
      if (entry.peerId !== except && holding && !holding.complete) {
        result.push(entry.peerId);
      }
    }
    return result;
  }

  /** The address `peerId` is reached at, if registered. */
  addressOf(peerId: string): string | undefined {
    return this.#peers.get(peerId)?.address;
  }

  /** Records that `peerId` no longer shares `fileId`. */
  unshare(peerId: string, fileId: string): void {
    this.#requirePeer(peerId).holdings.delete(fileId);
    this.#forgetIfOrphan(fileId);
  }

  /** Finds a file by full ID or unique prefix (case-insensitive). */
  lookup(query: string): LookupResult {
    const fileId = this.resolve(query);
    const manifest = this.#manifests.get(fileId)!;
    const sources: Source[] = [];
    for (const entry of this.#peers.values()) {
      const holding = entry.holdings.get(fileId);
      if (!holding || holding.count === 0) continue;
      sources.push({
        peerId: entry.peerId,
        address: entry.address,
        ...(holding.complete ? {} : { chunks: holding.toBase64() }),
      });
    }
    return { fileId, manifest, sources };
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
    const matches = [...this.#manifests.keys()].filter((id) => id.startsWith(prefix));
    if (matches.length === 0) {
      throw new LookupError("not-found", `no file with ID ${prefix} is shared on the network`);
    }
    if (matches.length > 1) {
      throw new LookupError(
        "ambiguous",
        `prefix ${prefix} matches ${matches.length} files (${
          matches.slice(0, 3).map((id) => id.slice(0, 12)).join(", ")
        }...): give more digits`,
      );
    }
    return matches[0];
  }

  /** One line per indexed file. */
  files(): FileSummary[] {
    return [...this.#manifests.entries()].map(([fileId, manifest]) => {
      let sources = 0;
      let seeders = 0;
      for (const entry of this.#peers.values()) {
        const holding = entry.holdings.get(fileId);
        if (!holding) continue;
        sources++;
        if (holding.complete) seeders++;
      }
      return { fileId, name: manifest.name, size: manifest.size, sources, seeders };
    }).sort((a, b) => a.name.localeCompare(b.name) || a.fileId.localeCompare(b.fileId));
  }

  /** One line per live peer, with the age of its last message at `now`. */
  peers(now: number): PeerSummary[] {
    return [...this.#peers.values()].map((entry) => ({
      peerId: entry.peerId,
      address: entry.address,
      files: entry.holdings.size,
      lastSeenMs: Math.max(0, now - entry.lastSeen),
    })).sort((a, b) => a.address.localeCompare(b.address));
  }

  /** Totals for the status display. */
  stats(): IndexStats {
    let bytesIndexed = 0;
    for (const manifest of this.#manifests.values()) bytesIndexed += manifest.size;
    return { peers: this.#peers.size, files: this.#manifests.size, bytesIndexed };
  }

  #requirePeer(peerId: string): PeerEntry {
    const entry = this.#peers.get(peerId);
    if (!entry) throw new LookupError("not-found", `peer ${peerId} is not registered`);
    return entry;
  }

  #forgetIfOrphan(fileId: string): void {
    for (const entry of this.#peers.values()) if (entry.holdings.has(fileId)) return;
    this.#manifests.delete(fileId);
  }
}
