/**
 * A server replica on Redis (`p2pft server --redis redis://HOST:PORT`):
 * several servers share one network. Each keeps its fast in-memory
 * {@linkcode IndexStore} as a mirror of the whole network and:
 *
 * - writes its own peers' changes to Redis (see replica_records.ts: peer
 *   records and their shares as keys expiring after the peer timeout, as
 *   Kraken's peer store does, refreshed in batches for the peers heard
 *   from, once a second) and publishes them on the replicas' channel;
 * - applies what the other replicas publish (so lookups, `sources` and
 *   listings answer for the whole network, and a `have` reaches downloaders
 *   connected to any replica);
 * - loads the current state from Redis when it starts.
 *
 * The peers of a replica that dies expire, in Redis and in the other
 * replicas' stores. While Redis is away a replica serves its own peers;
 * once Redis is back it writes them back and loads the others again.
 *
 * @module
 */

import { MS_PER_SECOND } from "../constants.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import type { Manifest } from "../protocol/messages.ts";
import { Bitfield } from "../storage/bitfield.ts";
import type { IndexChange, IndexStore } from "./index_store.ts";
import { type RedisClient, RedisLink } from "./redis_link.ts";
import { PeerLoader } from "./replica_load.ts";
import {
  parseReplicaMessage,
  type PeerRecord,
  type ReplicaKeys,
  replicaKeys,
} from "./replica_records.ts";

/** Default prefix of every key and channel of a network in Redis. */
export const DEFAULT_REDIS_PREFIX = "p2pft:";

/** How often the peers heard from are refreshed in Redis and announced. */
const REFRESH_INTERVAL_MS = MS_PER_SECOND;

/** Most changes written and published in one round trip (one message stays small). */
const FLUSH_BATCH = 500;

/** Most peers renewed and announced in one round trip (see `Replica.#refresh`). */
const REFRESH_BATCH = 500;

/** How long a manifest stays in Redis after a holder's replica last refreshed it. */
const MANIFEST_TTL_MS = 10 * 60 * MS_PER_SECOND;

/** Options of {@linkcode Replica.start}. */
export interface ReplicaOptions {
  /** The server's store to mirror. */
  store: IndexStore;
  /** `redis://HOST:PORT`. */
  url: string;
  /** Silence after which a peer expires: the time-to-live of its records. */
  timeoutMs: number;
  /** Prefix of keys and channel; default {@linkcode DEFAULT_REDIS_PREFIX}. */
  prefix?: string;
  log?: Logger;
}

/** A local peer's files: file ID -> the chunks it holds, `undefined` for all. */
type Holdings = Map<string, Bitfield | undefined>;

/** One replica's mirror of the network through Redis. */
export class Replica {
  /** This replica's name in the peer records (random, new at each start). */
  readonly id = crypto.randomUUID();
  #store: IndexStore;
  #keys: ReplicaKeys;
  #timeoutMs: number;
  #log: Logger;
  #redis!: RedisLink;
  /** Peers connected here, with what they share. */
  #local = new Map<string, Holdings>();
  /** Local changes not yet written and published. */
  #outbox: IndexChange[] = [];
  #flushing: Promise<void> | undefined;
  /** Local peers heard from since the last refresh. */
  #seen = new Set<string>();
  /** File ID -> when its manifest's time-to-live was last renewed. */
  #manifestRenewed = new Map<string, number>();
  #refresher: ReturnType<typeof setInterval> | undefined;
  /** A refresh is under way: a tick meanwhile does nothing, and its peers wait for the next. */
  #refreshing = false;
  #stopFeed = () => {};
  /** Messages from other replicas, applied one after the other. */
  #incoming: Promise<void> = Promise.resolve();
  #loader!: PeerLoader;

  private constructor(options: ReplicaOptions) {
    this.#store = options.store;
    this.#keys = replicaKeys(options.prefix ?? DEFAULT_REDIS_PREFIX);
    this.#timeoutMs = options.timeoutMs;
    this.#log = options.log ?? silentLogger();
  }

  /**
   * Connects to Redis, subscribes to the other replicas' changes, loads the
   * network's current state into the store, and from then on mirrors it.
   * Throws `RedisUnreachableError` (saying what to do) when Redis cannot be
   * reached.
   */
  static async start(options: ReplicaOptions): Promise<Replica> {
    const replica = new Replica(options);
    replica.#redis = await RedisLink.open(options.url, {
      channel: replica.#keys.channel,
      onMessage: (text) => replica.#receive(text),
      onBack: () => replica.#resync(),
      log: replica.#log,
    });
    replica.#stopFeed = options.store.onChange((change, origin) => {
      if (origin === "local") replica.#onLocal(change);
    });
    replica.#adopt();
    replica.#loader = new PeerLoader(replica.#redis, {
      keys: replica.#keys,
      store: options.store,
      skip: (peerId) => replica.#local.has(peerId),
      log: replica.#log,
    });
    const loaded = await replica.#loader.loadAll();
    replica.#log.info(
      `replica ${replica.id} on Redis at ${options.url}: ${loaded} peer(s) of other replicas loaded`,
    );
    replica.#refresher = setInterval(() => replica.#refresh(), REFRESH_INTERVAL_MS);
    return replica;
  }

  /** Stops mirroring: this replica's peers are removed from Redis, and the link closed. */
  async close(): Promise<void> {
    clearInterval(this.#refresher);
    this.#stopFeed();
    for (const peerId of this.#local.keys()) {
      this.#queue({ type: "peerLeft", peerId, reason: "left" });
    }
    while (this.#flushing) await this.#flushing;
    await this.#redis.close();
  }

  /** Takes a change made here: tracked, then written and published soon. */
  #onLocal(change: IndexChange): void {
    const holdings = this.#local.get(change.peerId);
    switch (change.type) {
      case "peerJoined":
        this.#local.set(change.peerId, new Map());
        break;
      case "peerLeft":
        if (!this.#local.delete(change.peerId)) {
          // A peer of another replica left here (it moved, or its batches are
          // late): it may still be in Redis.
          this.#loader.reload(change.peerId);
          return;
        }
        this.#seen.delete(change.peerId);
        break;
      case "seen":
        if (holdings) this.#seen.add(change.peerId);
        return;
      case "shared":
        if (!holdings) return;
        holdings.set(change.fileId, heldChunks(change));
        break;
      case "unshared":
        if (!holdings) return;
        holdings.delete(change.fileId);
        break;
      case "have": {
        const chunks = holdings?.get(change.fileId);
        if (!chunks) return;
        for (const index of change.chunks) chunks.set(index);
        if (chunks.complete) holdings!.set(change.fileId, undefined);
        break;
      }
    }
    this.#queue(change);
  }

  /** Queues `change` for writing and publishing soon. */
  #queue(change: IndexChange): void {
    this.#outbox.push(change);
    this.#flushing ??= Promise.resolve().then(() => this.#flush());
  }

  /** Writes the outbox to Redis and publishes it, {@linkcode FLUSH_BATCH} changes a round trip. */
  async #flush(): Promise<void> {
    const changes = this.#outbox.splice(0, FLUSH_BATCH);
    try {
      if (!this.#redis.up) return;
      const batch = this.#redis.client.multi();
      const touched = new Set<string>();
      for (const change of changes) this.#write(batch, change, touched);
      for (const key of touched) batch.pExpire(key, this.#timeoutMs);
      batch.publish(this.#keys.channel, JSON.stringify({ from: this.id, changes }));
      await batch.execAsPipeline();
    } catch (error) {
      this.#log.debug(`changes not written to Redis: ${errorMessage(error)}`);
    } finally {
      this.#flushing = undefined;
      if (this.#outbox.length > 0) this.#flushing = Promise.resolve().then(() => this.#flush());
    }
  }

  /** Adds the writes of `change` to `batch`; the shares keys it writes to `touched`. */
  #write(batch: Batch, change: IndexChange, touched: Set<string>): void {
    const keys = this.#keys;
    const ttl = this.#timeoutMs;
    switch (change.type) {
      case "peerJoined": {
        const record: PeerRecord = {
          address: change.address,
          reachable: change.reachable,
          replica: this.id,
        };
        batch.set(keys.peer(change.peerId), JSON.stringify(record), { PX: ttl });
        batch.del([keys.shares(change.peerId)]);
        return;
      }
      case "peerLeft":
        batch.del([keys.peer(change.peerId), keys.shares(change.peerId)]);
        return;
      case "shared":
        this.#writeManifest(batch, change.fileId, change.manifest);
        batch.hSet(keys.shares(change.peerId), change.fileId, change.chunks ?? "");
        touched.add(keys.shares(change.peerId));
        return;
      case "unshared":
        batch.hDel(keys.shares(change.peerId), change.fileId);
        return;
      case "have": {
        const chunks = this.#local.get(change.peerId)?.get(change.fileId);
        batch.hSet(keys.shares(change.peerId), change.fileId, chunks?.toBase64() ?? "");
        touched.add(keys.shares(change.peerId));
        return;
      }
      case "seen":
        return;
    }
  }

  /** Writes a manifest unless it was written or renewed lately. */
  #writeManifest(batch: Batch, fileId: string, manifest: Manifest): void {
    const renewed = this.#manifestRenewed.get(fileId);
    if (renewed !== undefined && Date.now() - renewed < MANIFEST_TTL_MS / 4) return;
    batch.set(this.#keys.manifest(fileId), JSON.stringify(manifest), { PX: MANIFEST_TTL_MS });
    this.#manifestRenewed.set(fileId, Date.now());
  }

  /**
   * Renews in Redis the records of the local peers heard from since the
   * last refresh (and, now and then, their manifests), and tells the other
   * replicas they are alive: {@linkcode REFRESH_BATCH} peers a round trip,
   * one after the other. In one round trip for all, a replica of 17,500
   * peers built and read 7,000 commands at once each second, and the other
   * replica applied 3,500 peers at once: stalls that made the lookup p99.
   */
  async #refresh(): Promise<void> {
    if (this.#refreshing || this.#seen.size === 0 || !this.#redis.up) return;
    const seen = [...this.#seen];
    this.#seen.clear();
    this.#refreshing = true;
    try {
      for (const batch of batches(seen, REFRESH_BATCH)) await this.#refreshBatch(batch);
    } catch (error) {
      this.#log.debug(`peers not refreshed in Redis: ${errorMessage(error)}`);
    } finally {
      this.#refreshing = false;
    }
  }

  /** Renews and announces the peers `seen`, in one round trip. */
  async #refreshBatch(seen: string[]): Promise<void> {
    if (!this.#redis.up) return;
    const now = Date.now();
    const batch = this.#redis.client.multi();
    /** Per peer, the replies that say whether its keys were still there. */
    const checks: { peerId: string; replies: number[] }[] = [];
    let replies = 0;
    for (const peerId of seen) {
      const check = { peerId, replies: [replies] };
      batch.pExpire(this.#keys.peer(peerId), this.#timeoutMs);
      batch.pExpire(this.#keys.shares(peerId), this.#timeoutMs);
      replies += 2;
      for (const fileId of this.#local.get(peerId)?.keys() ?? []) {
        const renewed = this.#manifestRenewed.get(fileId) ?? 0;
        if (now - renewed < MANIFEST_TTL_MS / 4) continue;
        batch.pExpire(this.#keys.manifest(fileId), MANIFEST_TTL_MS);
        this.#manifestRenewed.set(fileId, now);
        check.replies.push(replies++);
      }
      checks.push(check);
    }
    batch.publish(this.#keys.channel, JSON.stringify({ from: this.id, seen }));
    const results = await batch.execAsPipeline() as unknown[];
    // Keys gone while their peer lives (Redis restarted or lost them): written again.
    for (const { peerId, replies } of checks) {
      if (replies.some((index) => results[index] === 0)) this.#rewrite(peerId);
    }
  }

  /** Queues local peer `peerId` and its files, as the store has them, for writing again. */
  #rewrite(peerId: string): void {
    const holdings = this.#local.get(peerId);
    const address = this.#store.addressOf(peerId);
    if (!holdings || address === undefined) return;
    for (const fileId of holdings.keys()) this.#manifestRenewed.delete(fileId);
    const reachable = this.#store.reachable(peerId);
    this.#queue({ type: "peerJoined", peerId, address, reachable, at: Date.now() });
    for (const [fileId, chunks] of holdings) {
      const { manifest } = this.#store.lookup(fileId);
      this.#queue({
        type: "shared",
        peerId,
        fileId,
        manifest,
        ...(chunks ? { chunks: chunks.toBase64() } : {}),
      });
    }
  }

  /** Queues a message of the channel; those of this replica are ignored. */
  #receive(text: string): void {
    const message = parseReplicaMessage(text);
    if (!message) {
      this.#log.debug(`ignored a message on ${this.#keys.channel} that is not a replica's`);
      return;
    }
    if (message.from === this.id) return;
    this.#incoming = this.#incoming.then(() => this.#applyMessage(message));
  }

  #applyMessage(message: { seen: string[] } | { changes: IndexChange[] }): void {
    const now = Date.now();
    if ("seen" in message) {
      for (const peerId of message.seen) {
        // One not known here was missed (Redis was away, or it joined during a load).
        if (!this.#store.apply({ type: "seen", peerId, at: now })) this.#loader.reload(peerId);
      }
      return;
    }
    for (const change of message.changes) {
      if (change.type === "peerJoined") {
        // The peer registered with another replica: it is that one's now.
        this.#local.delete(change.peerId);
        this.#seen.delete(change.peerId);
        this.#store.apply({ ...change, at: now });
      } else if (change.type === "peerLeft" && this.#local.has(change.peerId)) {
        // Another replica's view of a peer connected here: ours stands.
        continue;
      } else {
        this.#store.apply(change);
      }
    }
  }

  /** At start: peers that registered before the replica was attached are its own too. */
  #adopt(): void {
    for (const change of this.#store.snapshot({ now: Date.now() })) {
      if (change.type === "peerJoined") this.#local.set(change.peerId, new Map());
      if (change.type !== "shared") continue;
      this.#local.get(change.peerId)?.set(change.fileId, heldChunks(change));
    }
    for (const peerId of this.#local.keys()) this.#rewrite(peerId);
  }

  /**
   * Redis is back (it may have restarted empty): this replica's peers are
   * written back and announced, then the others loaded again.
   */
  #resync(): void {
    for (const peerId of this.#local.keys()) this.#rewrite(peerId);
    this.#incoming = this.#incoming
      .then(() => this.#flushing)
      .then(() => this.#loader.loadAll())
      .then((loaded) => this.#log.info(`resynced with Redis: ${loaded} peer(s) of other replicas`))
      .catch((error) => this.#log.warn(`cannot resync with Redis: ${errorMessage(error)}`));
  }
}

/** A pipeline of commands being put together. */
type Batch = ReturnType<RedisClient["multi"]>;

/** `items` in consecutive runs of at most `size`, in order. */
export function batches<T>(items: T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    runs.push(items.slice(start, start + size));
  }
  return runs;
}

/** The chunks a `shared` change says the peer holds; `undefined` for all. */
function heldChunks(change: Extract<IndexChange, { type: "shared" }>): Bitfield | undefined {
  const count = change.manifest.chunkHashes.length;
  return change.chunks === undefined ? undefined : Bitfield.fromBase64(change.chunks, count);
}
