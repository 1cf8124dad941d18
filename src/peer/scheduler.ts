/**
 * Which chunk to ask which peer for: the pure decision logic of a download.
 *
 * - Rarest first: among the chunks a peer can give, the ones fewest sources
 *   hold go first, random among equals; a lone source is walked in file
 *   order from a random starting chunk (see chunk_order.ts).
 * - Endgame: once every missing chunk is requested, idle peers duplicate the
 *   requests with the fewest copies, once they are late (see
 *   endgame_rules.ts); the first verified copy wins and the caller cancels
 *   the others.
 * - Windows: each peer gets an in-flight window that grows as it delivers,
 *   halves on a stall, and is capped by its measured speed (see
 *   source_state.ts).
 * - Seeders last: windows are filled from the sources holding the fewest
 *   chunks first, so the swarm's load moves off the seeders; a source holding
 *   the whole file is spared chunks a downloader about as fast holds, and
 *   gets endgame duplicates of them later (see endgame_rules.ts).
 * - Wanted chunks: a download may want only some chunks (one file of a
 *   folder); the others are never asked for, and it is complete once the
 *   wanted ones are verified.
 * - Declined chunks: a seeder that declines a chunk it just sent to another
 *   peer (super-seeding) is not asked for it again for
 *   {@linkcode SEED_SPREAD_HOLD_MS}; the swarm is asked instead.
 * - Bans: a peer that delivers {@linkcode BAN_AFTER_BAD_CHUNKS} chunks
 *   failing verification is banned for the rest of this download. Bad
 *   chunks are counted per peer ID for the whole download: neither removing
 *   a peer as a source (its connection dropped) nor adding it again lifts a
 *   ban or clears its count, whatever later source lists say.
 *
 * @module
 */

import { BAN_AFTER_BAD_CHUNKS, DECLINED_ALONE_MS, SEED_SPREAD_HOLD_MS } from "./constants.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { pickChunk } from "./chunk_order.ts";
import { heldByPeerAsFast, lateAfter, WHOLE_SOURCE_LATE_FACTOR } from "./endgame_rules.ts";
import {
  effectiveWindow,
  newSourceState,
  recordDelivery,
  recordStall,
  type SourceState,
} from "./source_state.ts";

/** Options of {@linkcode Scheduler}. */
export interface SchedulerOptions {
  /** Source of randomness for tie-breaking, in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Clock, in ms; default `Date.now`. */
  now?: () => number;
  /**
   * Ask for chunks in file order, not rarest first (a download streamed to
   * a browser as it comes); default false.
   */
  inOrder?: boolean;
}

/** Chunk selection state for one download. */
export class Scheduler {
  /** Chunks verified and written. */
  readonly done: Bitfield;
  #sources = new Map<string, SourceState>();
  /** Peer ID -> bad chunks it sent in this download; outlives its {@linkcode SourceState}. */
  #strikes = new Map<string, number>();
  /** Chunk -> sources it is requested from. */
  #requested = new Map<number, Set<string>>();
  /** Chunk -> when its latest request still in flight was sent, in ms. */
  #requestedAt = new Map<number, number>();
  #random: () => number;
  #now: () => number;
  #inOrder: boolean;
  /** Where a lone source's walk through the file starts. */
  #origin: number;
  /** The chunks to fetch; `undefined` means all of them. */
  #wanted: Bitfield | undefined;

  /**
   * A scheduler for a file of `chunkCount` chunks, of which `done` are
   * already held, fetching only the chunks in `wanted` (default all).
   */
  constructor(
    chunkCount: number,
    options: SchedulerOptions & { done?: Bitfield; wanted?: Bitfield } = {},
  ) {
    this.done = options.done ?? new Bitfield(chunkCount);
    this.#wanted = options.wanted;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    const first = options.wanted?.indexes()[0] ?? 0;
    const span = options.wanted ? options.wanted.count : chunkCount;
    this.#inOrder = options.inOrder ?? false;
    this.#origin = this.#inOrder ? first : first + Math.floor(this.#random() * span);
  }

  get chunkCount(): number {
    return this.done.size;
  }

  /** True when every wanted chunk is verified. */
  get complete(): boolean {
    if (!this.#wanted) return this.done.complete;
    for (const index of this.#wanted.indexes()) if (!this.done.has(index)) return false;
    return true;
  }

  /** True when chunk `index` is wanted and not verified yet. */
  missing(index: number): boolean {
    return !this.done.has(index) && (this.#wanted?.has(index) ?? true);
  }

  /** Adds a source, or updates the chunks a known one holds; a banned peer is ignored. */
  updateSource(peerId: string, chunks: Bitfield): void {
    if (this.isBanned(peerId)) return;
    const known = this.#sources.get(peerId);
    if (known) {
      known.chunks = chunks;
      return;
    }
    this.#sources.set(peerId, newSourceState(chunks, this.#strikes.get(peerId) ?? 0));
  }

  /**
   * Records that `peerId` now also holds `indexes` (a source it did not know
   * becomes one); a banned peer is ignored.
   */
  addChunks(peerId: string, indexes: number[]): void {
    if (this.isBanned(peerId)) return;
    const state = this.#sources.get(peerId);
    if (!state) {
      const chunks = new Bitfield(this.chunkCount);
      for (const index of indexes) chunks.set(index);
      this.updateSource(peerId, chunks);
      return;
    }
    for (const index of indexes) state.chunks.set(index);
  }

  /** True once `peerId` is banned for this download (it stays banned). */
  isBanned(peerId: string): boolean {
    return (this.#strikes.get(peerId) ?? 0) >= BAN_AFTER_BAD_CHUNKS;
  }

  /** Forgets a source (it left; a ban stays); returns the chunks that were in flight to it. */
  removeSource(peerId: string): number[] {
    const state = this.#sources.get(peerId);
    if (!state) return [];
    const lost = [...state.inFlight];
    for (const index of lost) this.#unrequest(peerId, index);
    this.#sources.delete(peerId);
    return lost;
  }

  /** The state of a source, for display and tests. */
  source(peerId: string): Readonly<SourceState> | undefined {
    return this.#sources.get(peerId);
  }

  /**
   * IDs of the sources not banned, those holding the fewest chunks first.
   * Filling windows in this order asks downloaders for what they have before
   * seeders, so seeders are left the chunks no one else holds.
   */
  usableSources(): string[] {
    return [...this.#sources.entries()]
      .filter(([, state]) => !state.banned)
      .sort(([, a], [, b]) => a.chunks.count - b.chunks.count)
      .map(([id]) => id);
  }

  /** True when some usable source holds a chunk still missing. */
  canProgress(): boolean {
    for (const state of this.#sources.values()) {
      if (state.banned) continue;
      for (let i = 0; i < this.chunkCount; i++) {
        if (this.missing(i) && state.chunks.has(i)) return true;
      }
    }
    return false;
  }

  /** Requests the peer has room for now under its window. */
  room(peerId: string): number {
    const state = this.#sources.get(peerId);
    if (!state || state.banned) return 0;
    return Math.max(0, effectiveWindow(state) - state.inFlight.size);
  }

  /** How many usable sources hold chunk `index`. */
  availability(index: number): number {
    let count = 0;
    for (const state of this.#sources.values()) {
      if (!state.banned && state.chunks.has(index)) count++;
    }
    return count;
  }

  /**
   * The next chunk to request from `peerId`, or `undefined` when it has
   * nothing useful or no room. The caller must then call
   * {@linkcode markRequested}.
   */
  pick(peerId: string): number | undefined {
    const state = this.#sources.get(peerId);
    if (!state || this.room(peerId) === 0) return undefined;
    const fresh: number[] = [];
    const duplicates: number[] = [];
    const now = this.#now();
    for (let index = 0; index < this.chunkCount; index++) {
      if (!this.missing(index) || !state.chunks.has(index) || state.inFlight.has(index)) continue;
      if (this.#heldBack(state, index) > now) continue;
      if (this.#requested.has(index)) duplicates.push(index);
      else fresh.push(index);
    }
    const whole = state.chunks.complete && this.#sources.size > 1;
    const sparing = (index: number) => heldByPeerAsFast(this.#sources, { index, peerId });
    const spared = whole ? fresh.filter((i) => !sparing(i)) : fresh;
    if (spared.length > 0) return this.#rarest(spared, (i) => this.availability(i));
    const late = duplicates.filter((i) => {
      const factor = whole && sparing(i) ? WHOLE_SOURCE_LATE_FACTOR : 1;
      const after = lateAfter(this.#sources, this.#requested.get(i) ?? []);
      return now - this.#requestedAt.get(i)! >= after * factor;
    });
    if (late.length > 0 && this.inEndgame()) {
      return this.#rarest(late, (i) => this.#requested.get(i)!.size);
    }
    return undefined;
  }

  /** True when every missing chunk is already requested from someone. */
  inEndgame(): boolean {
    for (let index = 0; index < this.chunkCount; index++) {
      if (this.missing(index) && !this.#requested.has(index)) return false;
    }
    return true;
  }

  /** Records that chunk `index` was requested from `peerId`. */
  markRequested(peerId: string, index: number): void {
    const state = this.#sources.get(peerId);
    if (!state) throw new Error(`unknown source ${peerId}`);
    state.inFlight.add(index);
    const requesters = this.#requested.get(index) ?? new Set<string>();
    requesters.add(peerId);
    this.#requested.set(index, requesters);
    this.#requestedAt.set(index, this.#now());
  }

  /**
   * Records a verified chunk from `peerId`. Returns the other peers the same
   * chunk is still requested from (endgame duplicates) so the caller can
   * cancel them.
   */
  markDone(peerId: string, index: number, options: { now?: number } = {}): string[] {
    const state = this.#sources.get(peerId);
    if (state) recordDelivery(state, options.now ?? this.#now());
    this.#unrequest(peerId, index);
    this.done.set(index);
    const others = [...(this.#requested.get(index) ?? [])];
    for (const other of others) this.#unrequest(other, index);
    return others;
  }

  /**
   * Records that `peerId` sent chunk `index` with wrong bytes (counted even
   * when it is no longer a source); true when this bad chunk gets it banned.
   */
  markBad(peerId: string, index: number): boolean {
    this.#unrequest(peerId, index);
    const strikes = (this.#strikes.get(peerId) ?? 0) + 1;
    this.#strikes.set(peerId, strikes);
    const state = this.#sources.get(peerId);
    if (state) state.badChunks = strikes;
    if (state && this.isBanned(peerId)) {
      state.banned = true;
      for (const other of [...state.inFlight]) this.#unrequest(peerId, other);
    }
    return strikes === BAN_AFTER_BAD_CHUNKS;
  }

  /** Records that a request failed for a reason other than bad data (error, cancel). */
  markFailed(peerId: string, index: number): void {
    this.#unrequest(peerId, index);
  }

  /** Records that `peerId` said it does not hold chunk `index` after all. */
  markUnavailable(peerId: string, index: number): void {
    this.#unrequest(peerId, index);
    const state = this.#sources.get(peerId);
    if (!state) return;
    const chunks = new Bitfield(state.chunks.size);
    for (const held of state.chunks.indexes()) if (held !== index) chunks.set(held);
    state.chunks = chunks;
  }

  /**
   * Records that `peerId` declined chunk `index` because it just sent it to
   * another peer: it is not asked for it again for {@linkcode SEED_SPREAD_HOLD_MS}
   * while another source holds it, {@linkcode DECLINED_ALONE_MS} while none does.
   */
  markDeclined(peerId: string, index: number): void {
    this.#unrequest(peerId, index);
    this.#sources.get(peerId)?.declined.set(index, this.#now());
  }

  /** Until when (ms) `state`'s source is not asked for chunk `index`, as it declined it. */
  #heldBack(state: SourceState, index: number): number {
    const declinedAt = state.declined.get(index);
    if (declinedAt === undefined) return 0;
    const elsewhere = this.availability(index) > (state.chunks.has(index) ? 1 : 0);
    return declinedAt + (elsewhere ? SEED_SPREAD_HOLD_MS : DECLINED_ALONE_MS);
  }

  /**
   * When the first chunk that is missing, held by a usable source and only
   * set aside there because it declined it may be asked again, in ms;
   * `undefined` when none waits so.
   */
  declinedUntil(): number | undefined {
    let first: number | undefined;
    const now = this.#now();
    for (const state of this.#sources.values()) {
      if (state.banned) continue;
      for (const index of state.declined.keys()) {
        const until = this.#heldBack(state, index);
        if (until <= now || !this.missing(index) || !state.chunks.has(index)) continue;
        first = Math.min(first ?? until, until);
      }
    }
    return first;
  }

  /** Forgets every source not in `peerIds` (they left the network). */
  retainSources(peerIds: Set<string>): void {
    for (const peerId of [...this.#sources.keys()]) {
      if (!peerIds.has(peerId)) this.removeSource(peerId);
    }
  }

  /** Records that a request stalled: it is taken back and the peer's window halves. */
  markStalled(peerId: string, index: number): void {
    this.#unrequest(peerId, index);
    const state = this.#sources.get(peerId);
    if (state) recordStall(state);
  }

  #unrequest(peerId: string, index: number): void {
    this.#sources.get(peerId)?.inFlight.delete(index);
    const requesters = this.#requested.get(index);
    if (!requesters) return;
    requesters.delete(peerId);
    if (requesters.size > 0) return;
    this.#requested.delete(index);
    this.#requestedAt.delete(index);
  }

  #rarest(candidates: number[], score: (index: number) => number): number {
    return pickChunk(candidates, score, {
      inOrder: this.#inOrder,
      lone: this.#sources.size <= 1,
      origin: this.#origin,
      chunkCount: this.chunkCount,
      random: this.#random,
    });
  }
}
