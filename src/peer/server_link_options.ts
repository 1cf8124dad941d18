/**
 * What a peer's link to the server (server_link.ts) is given: where the server is, who this peer
 * is and what it serves and shares, and whom to tell of what the server
 * sends it.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import type { Credentials } from "../protocol/dial.ts";
import type { ServerToPeer, SharedFileEntry } from "../protocol/messages.ts";
import type { ServerSpec } from "./server_addresses.ts";

/** Options of a `ServerLink`. */
export interface ServerLinkOptions {
  /**
   * Where the server is; several servers (replicas of one network) to fail
   * over between, a name with several addresses standing for each (see
   * server_addresses.ts); or a function that finds it. Names are resolved
   * and the function called before every connection attempt, so a server
   * that moved is found again.
   */
  server: ServerSpec;
  /** Our identity and the network key. */
  credentials: Credentials;
  /**
   * Checks the identity the server proved at `address` (remembering it at
   * first contact); throws {@linkcode ServerIdentityError} to refuse it.
   */
  checkServer?: (address: string, serverId: string) => Promise<void>;
  /** Port this peer serves chunks on. */
  listenPort: number;
  /** Port this peer relays on, when it offers to relay (`--relay`). */
  relayPort?: number;
  /**
   * Interface this peer serves chunks on: a loopback one while the server
   * is reached over the network is warned about (no other machine can
   * download from this peer).
   */
  listenHost?: string;
  /** Everything this peer shares, sent after each (re)registration. */
  shares: () => SharedFileEntry[];
  /** Told of what the server sends unasked (news of other peers' chunks). */
  onNotice?: (notice: ServerNotice) => void;
  /**
   * Answers what the server asks (to join a relayed link): resolves to the
   * reply's fields, or rejects with a {@linkcode RemoteError} to refuse.
   */
  onRequest?: (
    request: ServerRequest,
  ) => Record<string, unknown> | Promise<Record<string, unknown>>;
  log?: Logger;
}

/** A request the server sends a peer. */
export type ServerRequest = Extract<ServerToPeer, { id: number }>;

/** A notification the server sends a peer. */
export type ServerNotice = Exclude<ServerToPeer, { id: number }>;
