/**
 * A `redis-server` of a test's or the bench's own (Debian's, installed by `.ci/run`): on a
 * free loopback port, in a temporary folder, stopped when disposed of. With
 * `persist` it keeps an append-only file there, so that a restart on the
 * same folder and port finds its data again.
 *
 * @module
 */

import { Child, freePort } from "./process_harness.ts";

/** Where Debian installs it. */
export const REDIS_SERVER = "/usr/bin/redis-server";

/** Time allowed for redis-server to answer after it starts. */
const START_TIMEOUT_MS = 10_000;

/** A running redis-server. */
export interface RedisServer extends AsyncDisposable {
  /** Its port on 127.0.0.1. */
  port: number;
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  /** Kills it (SIGKILL: as a crash would), keeping its folder. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder; resolves once it answers. */
  restart(): Promise<void>;
}

/** True when redis-server is installed (the tests that need it are skipped otherwise). */
export function hasRedisServer(): boolean {
  try {
    return Deno.statSync(REDIS_SERVER).isFile;
  } catch {
    return false;
  }
}

/** Starts a redis-server; `persist` keeps an append-only file across {@linkcode RedisServer.restart}. */
export async function startRedis(options: { persist?: boolean } = {}): Promise<RedisServer> {
  const dir = await Deno.makeTempDir({ prefix: "p2pft-redis-" });
  const port = freePort();
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    options.persist ? "yes" : "no",
    "--appendfsync",
    "always",
  ];
  let child: Child | undefined;
  const start = async () => {
    child = new Child([REDIS_SERVER, ...args], { name: `redis-server :${port}` });
    await child.stdout.waitFor(/Ready to accept connections/, START_TIMEOUT_MS);
  };
  try {
    await start();
  } catch (error) {
    await child?.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      await child?.stop("SIGKILL");
    },
    restart: start,
    async [Symbol.asyncDispose]() {
      await child?.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
