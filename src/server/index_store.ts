/**
 * The server's index state: registered peers (address, whether the server
 * could dial them, when they go silent), the files each shares, manifests
 * stored once per file ID, and the sources of each file. Lookups, prefixes
 * and listings go through the {@linkcode FileIndex}'s direct maps and
 * sorted indexes (never a scan); expiry through time buckets
 * ({@linkcode Deadlines}), so a sweep costs the peers it drops. Pure and
 * synchronous: no I/O, no timers, time passed in.
 *
 * ## Change feed (the contract replicas build on)
 *
 * Every change is announced, after it has been applied, to the listeners
 * added with {@linkcode IndexStore.onChange}, as an {@linkcode IndexChange}
 * with its origin:
 *
 * - `"local"`: made through this store's methods (`join`, `leave`, `seen`,
 *   `share`, `unshare`, `have`, `expire`): a replica mirrors these out;
 * - `"remote"`: made by {@linkcode IndexStore.apply}, replaying a change
 *   another replica announced: a replica does not mirror these again.
 *
 * Listeners are called synchronously, in the order the changes happen, and
 * must not throw (or call the store's changing methods). A change carries
 * everything needed to replay it on another store with `apply`, so two
 * stores fed each other's local changes converge. The events:
 *
 * - `peerJoined`: a peer registered (again: any earlier entry under the same
 *   peer ID is replaced, and what it shared forgotten);
 * - `peerLeft`: a peer is gone: `left` (it disconnected or said goodbye) or
 *   `expired` (silent past the timeout);
 * - `seen`: a peer was heard from; its deadline moves to `at` + timeout.
 *   Announced once per call of `seen` (the server calls it once per message);
 * - `shared`: a peer shares a file; `chunks` (base64 bitfield) only when it
 *   holds part of it;
 * - `unshared`: a peer stopped sharing a file;
 * - `have`: a peer downloading a file announced more chunks.
 *
 * `apply` takes a change that does not fit this store (a share from a peer
 * it does not know, a `have` of a file the peer does not share) without
 * throwing and returns false: remote changes may arrive after the peer they
 * concern has left here.
 *
 * @module
 */

import type {
  FileSummary,
  LookupResult,
  Manifest,
  PeerSummary,
  SourcesResult,
} from "../protocol/messages.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { FileIndex, type IndexStats } from "../storage/file_index.ts";
import type { FileMatch, Page } from "../storage/file_listing.ts";
import type { Random } from "../storage/random_bag.ts";
import { Deadlines } from "./deadlines.ts";

/** Why a peer left the index. */
export type LeaveReason = "left" | "expired";

/** One change to the index, as announced to listeners and replayed by `apply`. */
export type IndexChange =
  | {
    type: "peerJoined";
    peerId: string;
    address: string;
    /** Whether the server could dial the peer back; undefined when it did not try. */
    reachable?: boolean;
    at: number;
  }
  | { type: "peerLeft"; peerId: string; reason: LeaveReason }
  | { type: "seen"; peerId: string; at: number }
  | { type: "shared"; peerId: string; fileId: string; manifest: Manifest; chunks?: string }
  | { type: "unshared"; peerId: string; fileId: string }
  | { type: "have"; peerId: string; fileId: string; chunks: number[] };

/** Where a change came from: this store's own methods, or `apply`. */
export type ChangeOrigin = "local" | "remote";

/** Told of every change once it is applied; must not throw. */
export type ChangeListener = (change: IndexChange, origin: ChangeOrigin) => void;

/** Options of {@linkcode IndexStore}. */
export interface IndexStoreOptions {
  /** Silence after which a peer expires, in milliseconds. */
  timeoutMs: number;
  /** Width of the expiry buckets; default 1 s. A peer expires at most this late. */
  granularityMs?: number;
  /** Picks sampled sources and `have` recipients; default `Math.random`. */
  random?: Random;
}

/** What the store keeps of a peer besides its files. */
interface PeerMeta {
  reachable: boolean | undefined;
  /** Joined through `join` (true) or `apply` (false). */
  local: boolean;
}

const DEFAULT_GRANULARITY_MS = 1_000;

/** The index state of one server, with a change feed for replicas. */
export class IndexStore {
  #index: FileIndex;
  #meta = new Map<string, PeerMeta>();
  #deadlines: Deadlines<string>;
  #timeoutMs: number;
  #listeners = new Set<ChangeListener>();

  /** An empty store. */
  constructor(options: IndexStoreOptions) {
    this.#index = new FileIndex({ random: options.random });
    this.#timeoutMs = options.timeoutMs;
    this.#deadlines = new Deadlines(options.granularityMs ?? DEFAULT_GRANULARITY_MS);
  }

  /** Adds `listener` to the change feed; returns what removes it. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Registers `peerId` at `address` at time `now`, replacing an earlier entry and its files. */
  join(
    peerId: string,
    options: { address: string; reachable: boolean | undefined; now: number },
  ): void {
    this.#join(peerId, options, true);
    const { address, reachable, now } = options;
    this.#emit({ type: "peerJoined", peerId, address, reachable, at: now });
  }

  /** Forgets `peerId` and what it shared; false when it was not registered. */
  leave(peerId: string, reason: LeaveReason): boolean {
    if (!this.#forget(peerId)) return false;
    this.#emit({ type: "peerLeft", peerId, reason });
    return true;
  }

  /** Records that `peerId` was heard from at `now`, moving its deadline. */
  seen(peerId: string, now: number): void {
    if (!this.#seen(peerId, now)) return;
    this.#emit({ type: "seen", peerId, at: now });
  }

  /**
   * Records that `peerId` shares `fileId` (all chunks unless `chunks` says
   * otherwise). Throws `LookupError` for an unknown peer, `ShareLimitError`
   * past the per-peer caps (see share_limits.ts).
   */
  share(peerId: string, options: { fileId: string; manifest: Manifest; chunks?: Bitfield }): void {
    this.#index.share(peerId, options);
    const { fileId, manifest, chunks } = options;
    this.#emit({
      type: "shared",
      peerId,
      fileId,
      manifest,
      ...(chunks && !chunks.complete ? { chunks: chunks.toBase64() } : {}),
    });
  }

  /** Records that `peerId` no longer shares `fileId`; throws `LookupError` for an unknown peer. */
  unshare(peerId: string, fileId: string): void {
    this.#index.unshare(peerId, fileId);
    this.#emit({ type: "unshared", peerId, fileId });
  }

  /** Adds `chunks` to what `peerId` holds of `fileId`; throws when it does not share the file. */
  have(peerId: string, options: { fileId: string; chunks: number[] }): void {
    this.#index.have(peerId, options);
    this.#emit({ type: "have", peerId, fileId: options.fileId, chunks: options.chunks });
  }

  /** Drops the peers silent past the timeout at `now` (each announced as `expired`); returns their IDs. */
  expire(now: number): string[] {
    const expired = this.#deadlines.due(now);
    for (const peerId of expired) {
      this.#forget(peerId);
      this.#emit({ type: "peerLeft", peerId, reason: "expired" });
    }
    return expired;
  }

  /**
   * Replays a change another replica announced; listeners hear it as
   * `"remote"`. False (and nothing changed, nothing announced) when it does
   * not fit this store.
   */
  apply(change: IndexChange): boolean {
    try {
      if (!this.#applyChange(change)) return false;
    } catch {
      return false;
    }
    this.#emit(change, "remote");
    return true;
  }

  /**
   * The current state as changes that rebuild it on an empty store: per
   * peer a `peerJoined` then a `shared` per file. Only peers that joined
   * here unless `all`, e.g. for a replica to write its own peers back.
   */
  *snapshot(options: { all?: boolean; now: number }): Generator<IndexChange> {
    for (const peerId of [...this.#index.peerIds()]) {
      const meta = this.#meta.get(peerId);
      const address = this.#index.addressOf(peerId);
      if (!meta || address === undefined || (!meta.local && !options.all)) continue;
      yield { type: "peerJoined", peerId, address, reachable: meta.reachable, at: options.now };
      for (const { fileId, manifest, chunks } of this.#index.holdingsOf(peerId)) {
        yield {
          type: "shared",
          peerId,
          fileId,
          manifest,
          ...(chunks.complete ? {} : { chunks: chunks.toBase64() }),
        };
      }
    }
  }

  /** True when `peerId` is registered. */
  hasPeer(peerId: string): boolean {
    return this.#meta.has(peerId);
  }

  /** True when `peerId` joined through this store (not through `apply`). */
  isLocal(peerId: string): boolean {
    return this.#meta.get(peerId)?.local ?? false;
  }

  /** The address `peerId` is reached at, if registered. */
  addressOf(peerId: string): string | undefined {
    return this.#index.addressOf(peerId);
  }

  /** Whether the server could dial `peerId` when it registered; undefined if unknown. */
  reachable(peerId: string): boolean | undefined {
    return this.#meta.get(peerId)?.reachable;
  }

  /** The manifest held for `fileId` (a full ID), if any peer shares it. */
  manifestOf(fileId: string): Manifest | undefined {
    return this.#index.manifestOf(fileId);
  }

  /** A file by full ID or unique prefix, with sampled sources; throws `LookupError`. */
  lookup(query: string): LookupResult {
    return this.#index.lookup(query);
  }

  /** Sampled holders of `fileId` (a full ID) and their total; throws `LookupError`. */
  sources(fileId: string): SourcesResult {
    return this.#index.sources(fileId);
  }

  /** Peers other than `except` downloading `fileId`, sampled (see `FileIndex.downloaders`). */
  downloaders(fileId: string, except: string): string[] {
    return this.#index.downloaders(fileId, except);
  }

  /** A page of the files `match` takes (all, by name, by default), and their total. */
  files(page?: Page, match?: FileMatch): { files: FileSummary[]; total: number } {
    return this.#index.files(page, match);
  }

  /** A page of the peers, by address, with their silence at `now`, and their total. */
  peers(now: number, page?: Page): { peers: PeerSummary[]; total: number } {
    return this.#index.peers(now, page);
  }

  /** Totals for the status display. */
  stats(): IndexStats {
    return this.#index.stats();
  }

  #applyChange(change: IndexChange): boolean {
    switch (change.type) {
      case "peerJoined":
        this.#join(change.peerId, {
          address: change.address,
          reachable: change.reachable,
          now: change.at,
        }, false);
        return true;
      case "peerLeft":
        return this.#forget(change.peerId);
      case "seen":
        return this.#seen(change.peerId, change.at);
      case "shared": {
        const count = change.manifest.chunkHashes.length;
        const chunks = change.chunks === undefined
          ? undefined
          : Bitfield.fromBase64(change.chunks, count);
        this.#index.share(change.peerId, { ...change, chunks });
        return true;
      }
      case "unshared":
        if (!this.#meta.has(change.peerId)) return false;
        this.#index.unshare(change.peerId, change.fileId);
        return true;
      case "have":
        this.#index.have(change.peerId, change);
        return true;
    }
  }

  #join(
    peerId: string,
    options: { address: string; reachable: boolean | undefined; now: number },
    local: boolean,
  ): void {
    this.#index.addPeer(peerId, { address: options.address, now: options.now });
    this.#meta.set(peerId, { reachable: options.reachable, local });
    this.#deadlines.set(peerId, options.now + this.#timeoutMs);
  }

  #forget(peerId: string): boolean {
    if (!this.#meta.delete(peerId)) return false;
    this.#deadlines.delete(peerId);
    this.#index.removePeer(peerId);
    return true;
  }

  #seen(peerId: string, now: number): boolean {
    if (!this.#meta.has(peerId)) return false;
    this.#index.touch(peerId, now);
    this.#deadlines.set(peerId, now + this.#timeoutMs);
    return true;
  }

  #emit(change: IndexChange, origin: ChangeOrigin = "local"): void {
    for (const listener of this.#listeners) listener(change, origin);
  }
}
