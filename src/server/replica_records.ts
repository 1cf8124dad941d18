/**
 * What server replicas keep in Redis and say to each other, as text: the
 * key names, a peer's record, and the messages of the replicas' channel.
 * Pure; see replica.ts for when each is written.
 *
 * Keys (all under one prefix, `p2pft:` by default):
 *
 * - `peer:{peerId}`: JSON `{address, reachable, replica}`, expiring
 *   ({@linkcode PeerRecord}) unless its replica refreshes it;
 * - `shares:{peerId}`: hash, file ID -> `""` (the whole file) or the
 *   base64 bitfield of the chunks held; expiring with the peer's record;
 * - `manifest:{fileId}`: the manifest as JSON, once per file ID however
 *   many peers share it; expiring unless a holder's replica refreshes it.
 *
 * Channel `changes` carries {@linkcode ReplicaMessage}s as JSON.
 *
 * @module
 */

import type { IndexChange } from "./index_store.ts";

/** The key names of one network's replicas in Redis. */
export interface ReplicaKeys {
  /** The channel replicas publish their changes on. */
  channel: string;
  peer(peerId: string): string;
  shares(peerId: string): string;
  manifest(fileId: string): string;
  /** The pattern that matches every peer record. */
  peerPattern: string;
  /** The peer ID of a peer record's key. */
  peerIdOf(key: string): string;
}

/** Key names under `prefix`. */
export function replicaKeys(prefix: string): ReplicaKeys {
  return {
    channel: `${prefix}changes`,
    peer: (peerId) => `${prefix}peer:${peerId}`,
    shares: (peerId) => `${prefix}shares:${peerId}`,
    manifest: (fileId) => `${prefix}manifest:${fileId}`,
    peerPattern: `${prefix}peer:*`,
    peerIdOf: (key) => key.slice(`${prefix}peer:`.length),
  };
}

/** A peer's record in Redis. */
export interface PeerRecord {
  address: string;
  /** Whether its replica could dial it back; absent when that replica did not try. */
  reachable?: boolean;
  /** The replica the peer is connected to. */
  replica: string;
}

/** A message on the replicas' channel. */
export type ReplicaMessage =
  /** Changes made at replica `from`, in order. */
  | { from: string; changes: IndexChange[] }
  /** Peers of replica `from` heard from since its last such message. */
  | { from: string; seen: string[] };

/** The peer record in `text`, or undefined when it is not one. */
export function parsePeerRecord(text: string | null | undefined): PeerRecord | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text);
    if (
      typeof value?.address === "string" &&
      (value.reachable === undefined || typeof value.reachable === "boolean") &&
      typeof value.replica === "string"
    ) {
      const { address, reachable, replica } = value;
      return { address, ...(reachable === undefined ? {} : { reachable }), replica };
    }
  } catch {
    // Not JSON: not a record.
  }
  return undefined;
}

/** The message in `text`, or undefined when it is not one. */
export function parseReplicaMessage(text: string): ReplicaMessage | undefined {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value?.from !== "string") return undefined;
  if (Array.isArray(value.seen) && value.seen.every((id: unknown) => typeof id === "string")) {
    return { from: value.from, seen: value.seen };
  }
  if (Array.isArray(value.changes) && value.changes.every(isChange)) {
    return { from: value.from, changes: value.changes };
  }
  return undefined;
}

const CHANGE_TYPES = new Set(["peerJoined", "peerLeft", "seen", "shared", "unshared", "have"]);

function isChange(value: unknown): value is IndexChange {
  const change = value as { type?: unknown; peerId?: unknown };
  return typeof change?.type === "string" && CHANGE_TYPES.has(change.type) &&
    typeof change.peerId === "string";
}
