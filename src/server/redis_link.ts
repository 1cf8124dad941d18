/**
 * A server replica's link to Redis (node-redis): one connection for
 * commands, one subscribed to the replicas' channel. Opening fails at once,
 * with what to do, when Redis cannot be reached; once open, a lost Redis is
 * logged once, commands fail at once instead of queueing (the replica keeps
 * serving what it holds), and the link reconnects by itself, resubscribes,
 * and says so, so the replica can resync.
 *
 * @module
 */

import { errorMessage, type Logger, silentLogger } from "../log.ts";

/** A node-redis client as {@linkcode RedisLink} opens it. */
export type RedisClient = Awaited<ReturnType<typeof newClient>>;

/** Time allowed to open a connection to Redis. */
const CONNECT_TIMEOUT_MS = 2_000;

/** Longest pause between two attempts at reaching Redis again. */
const RECONNECT_MAX_DELAY_MS = 2_000;

/** Options of {@linkcode RedisLink.open}. */
export interface RedisLinkOptions {
  /** The channel to subscribe to. */
  channel: string;
  /** Told of each message on the channel. */
  onMessage: (message: string) => void;
  /** Told each time Redis is back after it was lost (not at the first connection). */
  onBack?: () => void;
  log?: Logger;
}

/** A Redis that could not be reached when a replica started. */
export class RedisUnreachableError extends Error {
  /** Creates the error; `message` says what to do. */
  constructor(message: string) {
    super(message);
    this.name = "RedisUnreachableError";
  }
}

/** The command and subscriber connections of one replica. */
export class RedisLink {
  /** The connection for commands (fails at once while Redis is away). */
  readonly client: RedisClient;
  readonly url: string;
  #subscriber: RedisClient;
  #log: Logger;
  #up = true;
  /** Set once open: a first connection that fails is the error of `open`, not a lost Redis. */
  #opened = false;
  #closing = false;

  private constructor(
    client: RedisClient,
    subscriber: RedisClient,
    options: { url: string; log: Logger },
  ) {
    this.client = client;
    this.#subscriber = subscriber;
    this.url = options.url;
    this.#log = options.log;
  }

  /**
   * Connects to Redis at `url` (`redis://HOST:PORT`) and subscribes to
   * `options.channel`. Throws {@linkcode RedisUnreachableError} when it
   * cannot be reached.
   */
  static async open(url: string, options: RedisLinkOptions): Promise<RedisLink> {
    const log = options.log ?? silentLogger();
    let opened = false;
    let client: RedisClient;
    try {
      client = await newClient(url, () => opened);
    } catch (error) {
      throw new RedisUnreachableError(
        `cannot use ${url} as Redis (${errorMessage(error)}); give --redis redis://HOST:PORT`,
      );
    }
    const subscriber = client.duplicate();
    const link = new RedisLink(client, subscriber, { url, log });
    client.on("error", (error: Error) => link.#down(error));
    subscriber.on("error", (error: Error) => link.#down(error));
    client.on("ready", () => link.#ready(options.onBack));
    try {
      await client.connect();
      await subscriber.connect();
      await subscriber.subscribe(options.channel, (message: string) => options.onMessage(message));
    } catch (error) {
      await link.close();
      throw new RedisUnreachableError(
        `cannot reach Redis at ${url} (${errorMessage(error)}): start redis-server there, ` +
          `or give the address of a running one with --redis redis://HOST:PORT`,
      );
    }
    opened = true;
    link.#opened = true;
    return link;
  }

  /** True while Redis answers (as far as the link knows). */
  get up(): boolean {
    return this.#up && this.client.isReady;
  }

  /** Publishes `message` on `channel`; false (logged at debug level) when Redis is away. */
  async publish(channel: string, message: string): Promise<boolean> {
    try {
      await this.client.publish(channel, message);
      return true;
    } catch (error) {
      this.#log.debug(`not published: ${errorMessage(error)}`);
      return false;
    }
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const one of [this.#subscriber, this.client]) {
      if (one.isOpen) one.destroy();
    }
    await Promise.resolve();
  }

  #down(error: Error): void {
    if (this.#closing || !this.#opened || !this.#up) {
      this.#log.debug(`redis: ${error.message}`);
      return;
    }
    this.#up = false;
    this.#log.warn(
      `lost Redis at ${this.url} (${error.message}): serving this replica's own peers (those ` +
        `of other replicas are dropped once silent past the peer timeout); reconnecting, and ` +
        `resyncing once Redis is back`,
    );
  }

  #ready(onBack: (() => void) | undefined): void {
    if (this.#up) return;
    this.#up = true;
    this.#log.info(`Redis at ${this.url} is back: resyncing`);
    onBack?.();
  }
}

/**
 * A client of `url` that fails at once while Redis is away (no offline
 * queue), gives up on a first connection that fails, and once `opened()`
 * reconnects forever, backing off up to {@linkcode RECONNECT_MAX_DELAY_MS}.
 * node-redis is loaded here, on first use: only a server given --redis needs it.
 */
async function newClient(url: string, opened: () => boolean) {
  const { createClient } = await import("@redis/client");
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error) =>
        opened() ? Math.min(RECONNECT_MAX_DELAY_MS, 100 * 2 ** Math.min(retries, 5)) : cause,
    },
  });
}
