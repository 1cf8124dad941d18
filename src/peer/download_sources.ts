/**
 * The sources of one download: where each peer is reached, which addresses
 * failed lately (left alone for {@linkcode PEER_RETRY_DELAY_MS}), and the
 * chunks each holds, fed into the download's {@linkcode Scheduler}.
 *
 * @module
 */

import { MAX_PEER_RETRY_DELAY_MS, PEER_RETRY_DELAY_MS } from "./constants.ts";
import type { Source } from "../protocol/messages.ts";
import { Bitfield } from "../storage/bitfield.ts";
import type { Scheduler } from "./scheduler.ts";

/** How a download reaches one of its sources. */
export interface SourceWay {
  /** `host:port` the source was announced at. */
  address: string;
  /** Dialled by this peer, dialled back by the source (reversal), or through a relay. */
  way: "direct" | "reversed" | "relayed";
}

/** Who holds which chunks of one download, and how to reach them. */
export class DownloadSources {
  #scheduler: Scheduler;
  #selfId: string;
  #now: () => number;
  #addresses = new Map<string, string>();
  /** Address -> time before which it is not used again. */
  #retryAt = new Map<string, number>();
  /** Address -> connection failures so far in this download. */
  #failures = new Map<string, number>();
  /** Addresses lost at least once in this download. */
  #everLost = new Set<string>();
  /** The other peers the last list of sources named. */
  #listed: string[] = [];

  /**
   * Sources for the download `scheduler` decides for; `selfId` is this
   * peer, never a source of its own (a file it holds whole is not
   * downloaded at all: see `DownloadOptions.localCopy`).
   */
  constructor(scheduler: Scheduler, selfId: string, options: { now?: () => number } = {}) {
    this.#scheduler = scheduler;
    this.#selfId = selfId;
    this.#now = options.now ?? Date.now;
  }

  /** The address `peerId` is reached at; it must be a known source. */
  address(peerId: string): string {
    const address = this.#addresses.get(peerId);
    if (address === undefined) throw new Error(`unknown source ${peerId}`);
    return address;
  }

  /**
   * Learns that `peerId` at `address` now also holds `chunks` (news pushed
   * by the server); ignored for this peer, a banned peer, an address set
   * aside, and chunk indexes beyond the file.
   */
  addChunks(peerId: string, news: { address: string; chunks: number[] }): void {
    if (peerId === this.#selfId || this.#scheduler.isBanned(peerId)) return;
    if (this.#settingAside(news.address)) return;
    const valid = news.chunks.filter((index) => index < this.#scheduler.chunkCount);
    this.#addresses.set(peerId, news.address);
    this.#scheduler.addChunks(peerId, valid);
  }

  /**
   * True when the last list of sources named someone and every one of them
   * is banned for this download: waiting for the list to change may be vain.
   */
  get onlyBanned(): boolean {
    return this.#listed.length > 0 &&
      this.#listed.every((peerId) => this.#scheduler.isBanned(peerId));
  }

  /**
   * Replaces the sources with the current list (a lookup's answer): the
   * absent ones left, unless the list is a sample (`complete` false), which
   * only adds. Banned peers stay banned, whatever the list says.
   */
  update(sources: Source[], options: { complete?: boolean } = {}): void {
    const others = sources.filter((source) => source.peerId !== this.#selfId);
    this.#listed = others.map((source) => source.peerId);
    if (options.complete ?? true) {
      this.#scheduler.retainSources(new Set(sources.map((source) => source.peerId)));
    }
    for (const source of others) {
      if (this.#scheduler.isBanned(source.peerId)) continue;
      if (this.#settingAside(source.address)) continue;
      const chunks = parseChunks(source, this.#scheduler.chunkCount);
      if (!chunks) continue;
      this.#addresses.set(source.peerId, source.address);
      this.#scheduler.updateSource(source.peerId, chunks);
    }
  }

  /**
   * Forgets `peerId`, whose connection failed, and leaves its address alone
   * for a while: {@linkcode PEER_RETRY_DELAY_MS} at first, twice as long at
   * each failure after (up to {@linkcode MAX_PEER_RETRY_DELAY_MS}), so a
   * source that keeps failing (or trickling until it is cut off) gets ever
   * fewer chances to hold this download's buffers. A verified chunk from it
   * ({@linkcode served}) starts the count again. Returns true the first
   * time `address` is lost in this download, so it is reported once, not
   * at every retry.
   */
  lost(peerId: string, address: string): boolean {
    this.#scheduler.removeSource(peerId);
    const failures = (this.#failures.get(address) ?? 0) + 1;
    this.#failures.set(address, failures);
    const delay = Math.min(MAX_PEER_RETRY_DELAY_MS, PEER_RETRY_DELAY_MS * 2 ** (failures - 1));
    this.#retryAt.set(address, this.#now() + delay);
    if (this.#everLost.has(address)) return false;
    this.#everLost.add(address);
    return true;
  }

  /**
   * How each of `peerIds` whose address is known is reached, as `way` says
   * (direct when it does not say): dialled by this peer, or over a
   * connection it dialled back, straight (reversed) or through a relay.
   */
  ways(
    peerIds: string[],
    way: (address: string, peerId: string) => SourceWay["way"] | undefined,
  ): SourceWay[] {
    return peerIds.flatMap((peerId) => {
      const address = this.#addresses.get(peerId);
      return address === undefined ? [] : [{ address, way: way(address, peerId) ?? "direct" }];
    });
  }

  /** `address` served a verified chunk: its failures so far are forgiven. */
  served(address: string): void {
    this.#failures.delete(address);
  }

  #settingAside(address: string): boolean {
    return this.#now() < (this.#retryAt.get(address) ?? 0);
  }
}

function parseChunks(source: Source, count: number): Bitfield | undefined {
  if (source.chunks === undefined) return Bitfield.full(count);
  try {
    return Bitfield.fromBase64(source.chunks, count);
  } catch {
    return undefined;
  }
}
