/**
 * What the server knows of where each registered peer sits: the public IP
 * it came from and its local networks. With whether its dial-back
 * succeeded (kept by the index), it flags in listings the peers nobody can dial
 * (`reachable: false`), except to a requester behind the same NAT, which is
 * given the peer's local address instead (see same_nat.ts).
 *
 * @module
 */

import { formatHostPort, parseHostPort } from "../protocol/channel.ts";
import { type NatSide, nearAddress } from "./same_nat.ts";

/**
 * Where each registered peer sits, by peer ID: the public IP it came from and
 * its local networks. Whether it can be dialled is asked of the index, the
 * one place that keeps it (for the peers of other replicas too).
 */
export class ReachTable {
  #peers = new Map<string, NatSide>();
  #reachable: (peerId: string) => boolean | undefined;

  /**
   * `reachable` tells whether the server could dial a peer back (undefined
   * when it did not try, or the peer is unknown).
   */
  constructor(reachable: (peerId: string) => boolean | undefined) {
    this.#reachable = reachable;
  }

  /** Notes where peer `peerId` sits when it registers. */
  note(peerId: string, side: NatSide): void {
    this.#peers.set(peerId, side);
  }

  /** Forgets peer `peerId`. */
  forget(peerId: string): void {
    this.#peers.delete(peerId);
  }

  /**
   * `entries` with `reachable: false` on the peers the server could not
   * dial back, or, to `requester` on a local network of such a peer behind
   * the same NAT, with that peer's local address (the port unchanged).
   * `options.side` says where the requester sits when it is not noted yet
   * (it is still registering).
   */
  flagged<T extends { peerId: string; address: string }>(
    entries: T[],
    requester?: string,
    options: { side?: NatSide } = {},
  ): (T & { reachable?: false })[] {
    const asking = options.side ??
      (requester === undefined ? undefined : this.#peers.get(requester));
    return entries.map((entry) => {
      if (this.#reachable(entry.peerId) !== false) return entry;
      const source = this.#peers.get(entry.peerId);
      const near = source && asking && entry.peerId !== requester;
      const ip = near ? nearAddress(source, asking) : undefined;
      if (ip === undefined) return { ...entry, reachable: false };
      return { ...entry, address: formatHostPort(ip, parseHostPort(entry.address).port) };
    });
  }
}
