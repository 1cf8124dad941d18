/**
 * Where a peer keeps its state: the OS's per-user data folder (XDG on Linux,
 * Application Support on macOS, AppData on Windows), one folder per peer
 * identity so that several peers on one machine never collide.
 *
 * @module
 */

import { join } from "node:path";
import { DataDirInUseError, LOCK_FILE } from "./peer_state.ts";
import { pathExists } from "./safe_name.ts";

const APP_FOLDER = "p2pft";
const PEERS_FOLDER = "peers";
const SERVERS_FOLDER = "servers";
const RECEIVED_FOLDER = "received";
/** The host of a peer's default listen address before it became every interface. */
const LEGACY_PEER_HOST = "127.0.0.1";
/** The host of a peer's default listen address now. */
const ALL_INTERFACES = "0.0.0.0";

/** The environment and OS a data folder depends on (injectable for tests). */
export interface DataDirEnvironment {
  /** Operating system, as `Deno.build.os`. */
  os: typeof Deno.build.os;
  /** Reads an environment variable. */
  env: (name: string) => string | undefined;
}

function currentEnvironment(): DataDirEnvironment {
  return { os: Deno.build.os, env: (name) => Deno.env.get(name) };
}

/** The per-user data folder of p2pft on this OS. */
export function userDataRoot(environment: DataDirEnvironment = currentEnvironment()): string {
  const { os, env } = environment;
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  if (os === "windows") {
    return join(env("APPDATA") ?? join(home, "AppData", "Roaming"), APP_FOLDER);
  }
  if (os === "darwin") return join(home, "Library", "Application Support", APP_FOLDER);
  const xdg = env("XDG_DATA_HOME");
  return join(xdg && xdg.startsWith("/") ? xdg : join(home, ".local", "share"), APP_FOLDER);
}

/**
 * The default data folder of a peer listening on `host:port`: the identity
 * is the listen address, the one thing two peers on one machine cannot
 * share. Port 0 has no stable identity and gets `undefined`.
 */
export function defaultPeerDataDir(
  listen: { host: string; port: number },
  environment: DataDirEnvironment = currentEnvironment(),
): string | undefined {
  return listenDataDir(PEERS_FOLDER, listen, environment);
}

/**
 * The default data folder of a server listening on `host:port` (its identity
 * and network key), chosen as for a peer; port 0 gets `undefined`.
 */
export function defaultServerDataDir(
  listen: { host: string; port: number },
  environment: DataDirEnvironment = currentEnvironment(),
): string | undefined {
  return listenDataDir(SERVERS_FOLDER, listen, environment);
}

/**
 * The folder where `p2pft get` keeps, per set of items, what lets a stopped
 * get resume (see src/peer/receiver_state.ts).
 */
export function receivedDataRoot(environment: DataDirEnvironment = currentEnvironment()): string {
  return join(userDataRoot(environment), RECEIVED_FOLDER);
}

function listenDataDir(
  folder: string,
  listen: { host: string; port: number },
  environment: DataDirEnvironment,
): string | undefined {
  if (listen.port === 0) return undefined;
  const host = listen.host.replace(/[^0-9A-Za-z.-]/g, "_");
  return join(userDataRoot(environment), folder, `${host}-${listen.port}`);
}

/**
 * Moves the state of a peer that listened on `127.0.0.1:<port>` (the default
 * listen address before it became `0.0.0.0:<port>`) to the default folder
 * of `listen`, so that its identity, shares and unfinished downloads are
 * found again. Only for `0.0.0.0:<port>` whose folder does not exist yet,
 * once: the old folder is renamed. Returns the old folder's path when it
 * moved it; throws {@linkcode DataDirInUseError} when a running peer holds
 * the old folder.
 */
export async function adoptLegacyPeerDataDir(
  listen: { host: string; port: number },
  environment: DataDirEnvironment = currentEnvironment(),
): Promise<string | undefined> {
  const current = defaultPeerDataDir(listen, environment);
  if (current === undefined || listen.host !== ALL_INTERFACES) return undefined;
  const legacy = defaultPeerDataDir({ host: LEGACY_PEER_HOST, port: listen.port }, environment)!;
  if (await pathExists(current) || !await pathExists(legacy)) return undefined;
  await assertUnused(legacy);
  await Deno.rename(legacy, current);
  return legacy;
}

async function assertUnused(dir: string): Promise<void> {
  let lock: Deno.FsFile;
  try {
    lock = await Deno.open(join(dir, LOCK_FILE), { write: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  try {
    if (!await lock.tryLock(true)) {
      throw new DataDirInUseError(
        `the data folder ${dir} of this peer's former default address is in use by another ` +
          `p2pft peer: stop that one, then start this one again to move its state here`,
      );
    }
  } finally {
    lock.close();
  }
}
