/**
 * Reading the network's peers back from Redis (see replica_records.ts for
 * the keys): what a replica applies to its store when it starts, when Redis
 * returns, and for one peer it may have missed.
 *
 * @module
 */

import { errorMessage, type Logger } from "../log.ts";
import type { Manifest } from "../protocol/messages.ts";
import type { IndexChange, IndexStore } from "./index_store.ts";
import type { RedisClient, RedisLink } from "./redis_link.ts";
import { parsePeerRecord, type ReplicaKeys } from "./replica_records.ts";

/** Peer records read per round trip. */
const LOAD_BATCH = 500;

/** Reads the peers of other replicas from Redis into a store: all of them, or a few again. */
export class PeerLoader {
  #redis: RedisLink;
  #options: { keys: ReplicaKeys; store: IndexStore; skip: (peerId: string) => boolean };
  #log: Logger;
  #reloads = new Set<string>();
  #reloading: Promise<void> | undefined;

  /** A loader through `redis` into `options.store`, leaving out the peers `skip` says are local. */
  constructor(
    redis: RedisLink,
    options: {
      keys: ReplicaKeys;
      store: IndexStore;
      skip: (peerId: string) => boolean;
      log: Logger;
    },
  ) {
    this.#redis = redis;
    this.#options = options;
    this.#log = options.log;
  }

  /** Applies every peer in Redis (not skipped) to the store; resolves to how many. */
  async loadAll(): Promise<number> {
    let applied = 0;
    for await (const peerIds of scanPeerIds(this.#redis.client, this.#options.keys)) {
      applied += await this.#load(peerIds);
    }
    return applied;
  }

  /**
   * Reads `peerId` again soon, if it is in Redis (a peer of another replica
   * that a replica may have missed): with the others asked for meanwhile,
   * {@linkcode LOAD_BATCH} a round trip.
   */
  reload(peerId: string): void {
    if (!this.#redis.up) return;
    this.#reloads.add(peerId);
    this.#reloading ??= this.#drain();
  }

  async #drain(): Promise<void> {
    while (this.#reloads.size > 0 && this.#redis.up) {
      const peerIds = [...this.#reloads].slice(0, LOAD_BATCH);
      for (const peerId of peerIds) this.#reloads.delete(peerId);
      await this.#load(peerIds).catch((error) => {
        this.#log.debug(`cannot read ${peerIds.length} peer(s) again: ${errorMessage(error)}`);
      });
    }
    this.#reloads.clear();
    this.#reloading = undefined;
  }

  async #load(peerIds: string[]): Promise<number> {
    const { keys, store, skip } = this.#options;
    const read = await readPeers(this.#redis.client, keys, {
      peerIds: peerIds.filter((peerId) => !skip(peerId)),
      now: Date.now(),
    });
    for (const change of read.changes) store.apply(change);
    return read.peers;
  }
}

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
