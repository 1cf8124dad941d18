/**
 * When a source is asked for a chunk someone else could give or is already
 * fetching: the rules that keep the swarm's load off the seeders and send
 * a request twice only once it is late.
 *
 * - Seeders spared: a source holding the whole file is not asked for a
 *   chunk another downloader about as fast holds (see
 *   {@linkcode heldByPeerAsFast}), and gets endgame duplicates of such a
 *   chunk only {@linkcode WHOLE_SOURCE_LATE_FACTOR} times as late: its link,
 *   the swarm's scarcest, carries what no one else can give. A slow
 *   downloader does not spare it, so a fast seeder is not held to a slow
 *   peer's pace.
 * - Late requests: in the endgame a request is duplicated once it is
 *   {@linkcode ENDGAME_LATE_MS} older than its source, at the pace it has
 *   kept, would take for the requests it holds (a request answered in time
 *   is not sent twice, on a slow link either).
 *
 * @module
 */

import { ENDGAME_LATE_MS } from "./constants.ts";
import type { SourceState } from "./source_state.ts";

/**
 * How much later than usual a source holding the whole file gets an endgame
 * duplicate of a chunk a downloader about as fast holds too.
 */
export const WHOLE_SOURCE_LATE_FACTOR = 2;

/** A source whose delivery interval is at most this many times another's counts as about as fast. */
const AS_FAST_FACTOR = 2;

/**
 * Age at which a request for a chunk requested from `requesters` may be
 * duplicated: {@linkcode ENDGAME_LATE_MS} more than the soonest of them is
 * expected to deliver it at the pace it keeps (its delivery interval times
 * the requests it has in flight). Requesters not in `sources` are skipped.
 */
export function lateAfter(
  sources: ReadonlyMap<string, Readonly<SourceState>>,
  requesters: Iterable<string>,
): number {
  let expected = Infinity;
  for (const peerId of requesters) {
    const state = sources.get(peerId);
    if (!state) continue;
    expected = Math.min(expected, (state.deliveryIntervalMs ?? 0) * state.inFlight.size);
  }
  return ENDGAME_LATE_MS + (expected === Infinity ? 0 : expected);
}

/**
 * True when a usable source in `sources` other than `peerId` that does not
 * hold the whole file holds chunk `index` and is about as fast as `peerId`:
 * its delivery interval at most {@linkcode AS_FAST_FACTOR} times `peerId`'s,
 * or either not measured yet. One whose latest request stalled is not.
 */
export function heldByPeerAsFast(
  sources: ReadonlyMap<string, Readonly<SourceState>>,
  chunk: { index: number; peerId: string },
): boolean {
  const { index, peerId } = chunk;
  const own = sources.get(peerId)?.deliveryIntervalMs;
  for (const [id, state] of sources) {
    if (id === peerId || state.banned || state.stalled || state.chunks.complete) continue;
    if (!state.chunks.has(index)) continue;
    const interval = state.deliveryIntervalMs;
    if (own === undefined || interval === undefined || interval <= own * AS_FAST_FACTOR) {
      return true;
    }
  }
  return false;
}
