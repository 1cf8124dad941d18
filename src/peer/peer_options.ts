/**
 * What a peer is started with, and what its status shows.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { RelayOfferOptions } from "./relay_offer.ts";
import type { ServerSpec } from "./server_addresses.ts";

/** Options of `PeerNode.start` (peer.ts). */
export interface PeerOptions {
  /** Interface to serve chunks on. */
  hostname: string;
  /** Port to serve chunks on, 0 for any free one. */
  port: number;
  /**
   * The central server, several to fail over between (replicas of one
   * network), or a function that finds it; none in serverless LAN mode.
   */
  server?: ServerSpec;
  /** Advertise this peer over mDNS (ignored when it listens on loopback). */
  mdns?: boolean;
  /** Find other peers over mDNS and look files up by asking them (serverless LAN mode). */
  lan?: boolean;
  /** How long a LAN lookup keeps asking while no peer has the file; default 5 s. */
  discoverTimeoutMs?: number;
  /**
   * The network key given by the user (`--key`, `P2PFT_KEY`, `--key-file`):
   * used, and remembered in `dataDir`. Without it, the key remembered in
   * `dataDir` is used; without either, the peer joins open networks only.
   */
  networkKey?: Uint8Array;
  /** Folder for persistent state (shares, downloads in progress); none keeps nothing. */
  dataDir?: string;
  /** Resume unfinished downloads found in `dataDir`; default true. */
  resume?: boolean;
  /**
   * Share what this peer downloads (its verified chunks while it runs, the
   * whole once done, remembered for the next start); default true.
   */
  reshare?: boolean;
  /**
   * The folder downloads go to by default: what this peer's crashed folder
   * downloads left there, and nothing resumes, is removed at start.
   */
  outDir?: string;
  /**
   * Whether to download and serve through a relay when neither
   * peer can be dialled; default true (`--no-relay` turns it off).
   */
  relay?: boolean;
  /** Relay for other members' peers that cannot be dialled (`--relay`); none: do not. */
  offerRelay?: RelayOfferOptions;
  log?: Logger;
}

/** What a peer's status shows. */
export interface PeerStatus {
  /** `host:port` this peer serves chunks on. */
  address: string;
  peerId: string;
  /** `host:port` of the central server; undefined in serverless LAN mode. */
  server: string | undefined;
  /** True when peers are also found over mDNS (LAN mode). */
  lan: boolean;
  /** True while registered with the server. */
  connected: boolean;
  /**
   * Whether the server could dial this peer back at `seenAt` when it
   * registered; undefined when not registered (or the server does not check).
   */
  reachable?: boolean;
  /** `host:port` the server sees this peer's chunk port at. */
  seenAt?: string;
  /** Why the server refused this peer for good (a wrong key, a changed identity), if it did. */
  refused?: string;
  /** Files this peer serves (shared or partly downloaded). */
  shared: number;
  downloadsRunning: number;
  /** Chunk bytes uploaded to other peers. */
  uploadedBytes: number;
}
