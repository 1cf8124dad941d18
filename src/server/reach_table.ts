/**
 * What the server knows of how each registered peer can be reached: whether
 * its dial-back succeeded, the public IP it came from and its local
 * networks. It flags in listings the peers nobody can dial
 * (`reachable: false`), except to a requester behind the same NAT, which is
 * given the peer's local address instead (see same_nat.ts).
 *
 * @module
 */

import { formatHostPort, parseHostPort } from "../protocol/channel.ts";
import { type NatSide, nearAddress } from "./same_nat.ts";

/** How the server found a registering peer. */
export interface Reach extends NatSide {
  /** Whether the server could dial its chunk port back; undefined when it did not try. */
  reachable: boolean | undefined;
}

/** Reachability of the registered peers, by peer ID. */
export class ReachTable {
  #peers = new Map<string, Reach>();
  #elsewhere: (peerId: string) => boolean | undefined;

  /**
   * `elsewhere` answers for peers not noted here (those of other server
   * replicas), whose networks this server does not know.
   */
  constructor(elsewhere: (peerId: string) => boolean | undefined = () => undefined) {
    this.#elsewhere = elsewhere;
  }

  /** Notes how peer `peerId` was found when it registered. */
  note(peerId: string, reach: Reach): void {
    this.#peers.set(peerId, reach);
  }

  /** Forgets peer `peerId`. */
  forget(peerId: string): void {
    this.#peers.delete(peerId);
  }

  /** Whether the server could dial peer `peerId` back; undefined when not registered. */
  reachable(peerId: string): boolean | undefined {
    return this.#peers.get(peerId)?.reachable;
  }

  /**
   * `entries` with `reachable: false` on the peers the server could not
   * dial back, or, to `requester` on a local network of such a peer behind
   * the same NAT, with that peer's local address (the port unchanged).
   */
  flagged<T extends { peerId: string; address: string }>(
    entries: T[],
    requester?: string,
  ): (T & { reachable?: false })[] {
    const asking = requester === undefined ? undefined : this.#peers.get(requester);
    return entries.map((entry) => {
      const source = this.#peers.get(entry.peerId);
      if (source === undefined) {
        return this.#elsewhere(entry.peerId) === false ? { ...entry, reachable: false } : entry;
      }
      if (source.reachable !== false) return entry;
      const ip = asking && entry.peerId !== requester ? nearAddress(source, asking) : undefined;
      if (ip === undefined) return { ...entry, reachable: false };
      return { ...entry, address: formatHostPort(ip, parseHostPort(entry.address).port) };
    });
  }
}
