/**
 * Where a peer keeps its state: the OS's per-user data folder (XDG on Linux,
 * Application Support on macOS, AppData on Windows), one folder per peer
 * identity so that several peers on one machine never collide.
 *
 * @module
 */

import { join } from "node:path";

const APP_FOLDER = "p2pft";
const PEERS_FOLDER = "peers";
const SERVERS_FOLDER = "servers";
const RECEIVED_FOLDER = "received";

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
