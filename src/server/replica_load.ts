/**
 * Reading the network's peers back from Redis (see replica_records.ts for
 * the keys): what a replica applies to its store when it starts, when Redis
 * returns, and for one peer it may have missed.
 *
 * @module
 */

import type { Manifest } from "../protocol/messages.ts";
import type { IndexChange } from "./index_store.ts";
import type { RedisClient } from "./redis_link.ts";
import { parsePeerRecord, type ReplicaKeys } from "./replica_records.ts";

/** Peer records read per round trip. */
const LOAD_BATCH = 500;

/** The IDs of every peer with a record in Redis, a batch at a time. */
export async function* scanPeerIds(
  client: RedisClient,
  keys: ReplicaKeys,
): AsyncGenerator<string[]> {
  for await (const found of client.scanIterator({ MATCH: keys.peerPattern, COUNT: 1_000 })) {
    for (let start = 0; start < found.length; start += LOAD_BATCH) {
      yield found.slice(start, start + LOAD_BATCH).map((key) => keys.peerIdOf(key));
    }
  }
}

/**
 * The changes that add `peerIds` (those still in Redis) with their files to
 * a store, as of `now`, in two round trips; `peers` says how many were found.
 * A file whose manifest is gone from Redis is left out.
 */
export async function readPeers(
  client: RedisClient,
  keys: ReplicaKeys,
  options: { peerIds: string[]; now: number },
): Promise<{ peers: number; changes: IndexChange[] }> {
  const { peerIds, now } = options;
  if (peerIds.length === 0) return { peers: 0, changes: [] };
  const read = client.multi();
  for (const peerId of peerIds) {
    read.get(keys.peer(peerId));
    read.hGetAll(keys.shares(peerId));
  }
  const replies = await read.execAsPipeline() as unknown[];
  const changes: IndexChange[] = [];
  const shared: { peerId: string; shares: Record<string, string> }[] = [];
  for (const [i, peerId] of peerIds.entries()) {
    const record = parsePeerRecord(replies[2 * i] as string | null);
    if (!record) continue;
    const { address, reachable } = record;
    changes.push({ type: "peerJoined", peerId, address, reachable, at: now });
    shared.push({ peerId, shares: (replies[2 * i + 1] ?? {}) as Record<string, string> });
  }
  const manifests = await readManifests(
    client,
    keys,
    shared.flatMap((one) => Object.keys(one.shares)),
  );
  for (const { peerId, shares } of shared) {
    for (const [fileId, chunks] of Object.entries(shares)) {
      const manifest = manifests.get(fileId);
      if (!manifest) continue;
      changes.push({ type: "shared", peerId, fileId, manifest, ...(chunks ? { chunks } : {}) });
    }
  }
  return { peers: shared.length, changes };
}

/** The manifests of `fileIds` still in Redis, by file ID. */
async function readManifests(
  client: RedisClient,
  keys: ReplicaKeys,
  fileIds: string[],
): Promise<Map<string, Manifest>> {
  const unique = [...new Set(fileIds)];
  const manifests = new Map<string, Manifest>();
  if (unique.length === 0) return manifests;
  const texts = await client.mGet(unique.map((fileId) => keys.manifest(fileId)));
  for (const [i, text] of texts.entries()) {
    if (typeof text === "string") manifests.set(unique[i], JSON.parse(text));
  }
  return manifests;
}
