/**
 * Super-seeding: how a peer holding a whole file spends its upload when
 * several peers fetch that file from it at once. A chunk it is sending to
 * one peer, or finished sending less than {@linkcode SEED_SPREAD_HOLD_MS}
 * ago, is declined to the others as long as some chunk of the file has
 * never left it: the first receiver passes the chunk on, and this peer's
 * link carries chunks the swarm does not have yet instead of copies of one
 * it has. A declined requester asks the swarm for that chunk and this peer
 * for another (see the `declined` failure of download_failures.ts). The
 * hold runs from the end of a send, so it suits slow links as well as fast
 * ones.
 *
 * Never declined: a chunk to the peer it last went to (a retry), a chunk
 * whose send failed, a chunk whose last receiver has since left (its
 * connections closed: it passes nothing on), and anything once every chunk
 * has left at least once, so that the end of a swarm and a lone downloader
 * are served as before.
 *
 * @module
 */

import { SEED_SPREAD_HOLD_MS } from "./constants.ts";

/** The error code a declined `get` is answered with. */
export const DECLINED_CODE = "elsewhere";

/** The last send of one chunk: to whom, and when it ended (`undefined` while it goes on). */
interface LastSend {
  to: string;
  endedAt: number | undefined;
}

/** What one file's chunks have done so far. */
interface FileSends {
  chunkCount: number;
  /** Chunk -> its last send; a chunk absent here never left. Emptied once all have left. */
  last: Map<number, LastSend>;
  /** Chunks sent whole at least once. */
  sent: Set<number>;
  /** True once every chunk has left at least once: nothing is declined any more. */
  spread: boolean;
}

/** One upload asked of the seeder. */
export interface SeedRequest {
  fileId: string;
  /** Chunks in the file. */
  chunkCount: number;
  index: number;
  /** ID of the peer asking. */
  requester: string;
}

/** The sends of every whole file this peer serves, and the rule that declines copies. */
export class SeedSpread {
  #files = new Map<string, FileSends>();
  #holdMs: number;

  /** A record of no sends; a chunk is held back for `holdMs` after a send ends. */
  constructor(options: { holdMs?: number } = {}) {
    this.#holdMs = options.holdMs ?? SEED_SPREAD_HOLD_MS;
  }

  /** True when `request` should be declined now (ms): its chunk is going, or just went, elsewhere. */
  declines(request: SeedRequest, now: number): boolean {
    const sends = this.#files.get(request.fileId);
    if (!sends || sends.spread) return false;
    const last = sends.last.get(request.index);
    if (last === undefined || last.to === request.requester) return false;
    return last.endedAt === undefined || now - last.endedAt < this.#holdMs;
  }

  /**
   * Forgets the holds on the chunks last sent to `peerId`, which left: the
   * others asking for them would wait for copies it will not pass on.
   */
  left(peerId: string): void {
    for (const sends of this.#files.values()) {
      for (const [index, last] of sends.last) {
        if (last.to === peerId) sends.last.delete(index);
      }
    }
  }

  /** Records that the chunk of `request` starts going to its requester. */
  start(request: SeedRequest): void {
    let sends = this.#files.get(request.fileId);
    if (!sends) {
      sends = { chunkCount: request.chunkCount, last: new Map(), sent: new Set(), spread: false };
      this.#files.set(request.fileId, sends);
    }
    if (sends.spread) return;
    sends.last.set(request.index, { to: request.requester, endedAt: undefined });
  }

  /**
   * Records that the send of `request` ended now (ms): whole (`ok`), or
   * failed, in which case the chunk counts as never sent to that peer.
   */
  end(request: SeedRequest, options: { now: number; ok: boolean }): void {
    const sends = this.#files.get(request.fileId);
    const last = sends?.last.get(request.index);
    if (!sends || sends.spread || last?.to !== request.requester) return;
    if (!options.ok) {
      sends.last.delete(request.index);
      return;
    }
    last.endedAt = options.now;
    sends.sent.add(request.index);
    if (sends.sent.size < sends.chunkCount) return;
    sends.spread = true;
    sends.last.clear();
    sends.sent.clear();
  }
}
