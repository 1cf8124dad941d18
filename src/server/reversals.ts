/**
 * The server's part in connection reversal: a reachable downloader names a
 * source the server could not dial back (`reverse`), and the server passes
 * the request on to that source with the downloader's registered address,
 * as the source reaches it. A peer can thus have another dial only itself,
 * never an address of its choosing; requests are rate-limited per peer.
 *
 * @module
 */

import { MAX_REVERSAL_BURST, MAX_REVERSALS_PER_SECOND } from "./constants.ts";
import type { Logger } from "../log.ts";
import type { Connection } from "../protocol/connection.ts";
import type { RequestRate, RequestRateLimits } from "../protocol/request_rate.ts";
import { seenBy } from "./seen_address.ts";

/** Reversal requests one peer's connection may send. */
export const REVERSAL_RATE: RequestRateLimits = {
  perSecond: MAX_REVERSALS_PER_SECOND,
  burst: MAX_REVERSAL_BURST,
};

/** What the server knows that reversal needs. */
export interface ReversalDesk {
  /** Whether the server could dial peer `peerId` back; undefined when not registered. */
  reachable: (peerId: string) => boolean | undefined;
  /** The connection of registered peer `peerId`. */
  connectionOf: (peerId: string) => Connection | undefined;
  /** The address peer `peerId` registered at. */
  addressOf: (peerId: string) => string | undefined;
  log: Logger;
}

/**
 * Answers `request` from `requester` on `connection`: refused when over its
 * `rate`, when the requester cannot be dialled either, or when the source
 * is not connected; otherwise the source is sent `reverse {peerId, address}`
 * and the request answered with an empty reply.
 */
export async function passReversal(
  connection: Connection,
  asked: { request: { id: number; peerId: string }; requester: string; rate: RequestRate },
  desk: ReversalDesk,
): Promise<void> {
  const { request, requester } = asked;
  const refuse = (code: string, message: string) =>
    connection.replyError(request.id, { code, message });
  if (!asked.rate.take(Date.now())) {
    return await refuse(
      "rate-limited",
      `too many reversal requests: the server passes on ${MAX_REVERSALS_PER_SECOND} a second ` +
        `from one peer; wait a moment and ask again`,
    );
  }
  if (desk.reachable(requester) !== true) {
    return await refuse(
      "unreachable",
      "the server cannot dial this peer back, so no source can: forward this peer's port " +
        "or open it in the firewall",
    );
  }
  const target = request.peerId === requester ? undefined : desk.connectionOf(request.peerId);
  const address = desk.addressOf(requester);
  if (!target || !address) {
    return await refuse("not-found", `peer ${request.peerId} is not connected to the server`);
  }
  const [seen] = seenBy(target, [{ address }]);
  desk.log.debug(`asking peer ${request.peerId} to dial ${requester} at ${seen.address}`);
  target.send({ t: "reverse", peerId: requester, address: seen.address }).catch(() => {});
  await connection.reply(request.id);
}
