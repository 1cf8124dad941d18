/**
 * Super-seeding: how a peer holding a whole file spends its upload when
 * several peers fetch that file from it at once. A chunk it has just
 * started sending to one peer is declined to the others for
 * {@linkcode SEED_SPREAD_HOLD_MS}, as long as some chunk of the file has
 * never left it: the first receiver passes the chunk on, and this peer's
 * link carries chunks the swarm does not have yet instead of copies of one
 * it has. A declined requester asks the swarm for that chunk and this peer
 * for another (see the `declined` failure of download_failures.ts).
 *
 * Never declined: a chunk to the peer it was last sent to (a retry), a
 * chunk sent longer ago than the hold, and anything once every chunk has
 * left at least once, so that the end of a swarm and a lone downloader are
 * served as before.
 *
 * @module
 */

import { SEED_SPREAD_HOLD_MS } from "../constants.ts";

/** The error code a declined `get` is answered with. */
export const DECLINED_CODE = "elsewhere";

/** The last time one chunk left, and to whom. */
interface LastSent {
  to: string;
  at: number;
}

/** What one file's chunks have done so far. */
interface FileSends {
  chunkCount: number;
  /** Chunk -> its last send; a chunk absent here never left. Emptied once all have left. */
  last: Map<number, LastSent>;
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
  /** Now, in ms. */
  now: number;
}

/** The sends of every whole file this peer serves, and the rule that declines copies. */
export class SeedSpread {
  #files = new Map<string, FileSends>();
  #holdMs: number;

  /** A record of no sends; a chunk is held back for `holdMs` after it left. */
  constructor(options: { holdMs?: number } = {}) {
    this.#holdMs = options.holdMs ?? SEED_SPREAD_HOLD_MS;
  }

  /** True when `request` should be declined: the chunk just went to another peer. */
  declines(request: SeedRequest): boolean {
    const sends = this.#files.get(request.fileId);
    if (!sends || sends.spread) return false;
    const last = sends.last.get(request.index);
    return last !== undefined && last.to !== request.requester &&
      request.now - last.at < this.#holdMs;
  }

  /** Records that the chunk of `request` starts going to its requester now. */
  send(request: SeedRequest): void {
    let sends = this.#files.get(request.fileId);
    if (!sends) {
      sends = { chunkCount: request.chunkCount, last: new Map(), spread: false };
      this.#files.set(request.fileId, sends);
    }
    if (sends.spread) return;
    sends.last.set(request.index, { to: request.requester, at: request.now });
    if (sends.last.size < sends.chunkCount) return;
    sends.spread = true;
    sends.last.clear();
  }
}
