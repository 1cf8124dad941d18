/**
 * The servers a peer may register with: those of `--server a,b`, a name
 * whose DNS entry lists several addresses of one family (replicas behind
 * one name, round-robin DNS) standing for each of them. A name with one
 * address per family (`localhost`, most hosts) stays a name, dialled as
 * before; one that does not resolve stays too, for dialling to say why.
 * {@linkcode ServerList} picks among them with {@linkcode ServerChoice}.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { SERVER_RETRY_AFTER_MS } from "./constants.ts";
import { formatHostPort, type HostPort } from "../protocol/channel.ts";
import { ServerChoice } from "./server_choice.ts";

/** The servers a peer is given: one, several, or a function that finds one. */
export type ServerSpec = HostPort | readonly HostPort[] | (() => Promise<HostPort>);

/** The servers of a {@linkcode ServerSpec}, resolved anew before each pick. */
export class ServerList {
  #spec: ServerSpec;
  #resolve: HostResolver;
  #choice = new ServerChoice({ retryAfterMs: SERVER_RETRY_AFTER_MS });
  #count = 1;

  /** The servers `spec` gives, names resolved with `resolve` (default the system's). */
  constructor(spec: ServerSpec, resolve: HostResolver = systemResolver) {
    this.#spec = spec;
    this.#resolve = resolve;
  }

  /** The servers given as such (not a function finding one), before names are resolved. */
  get given(): readonly HostPort[] | undefined {
    const spec = this.#spec;
    if (typeof spec === "function") return undefined;
    return "host" in spec ? [spec] : spec;
  }

  /** How many servers the last pick chose from. */
  get count(): number {
    return this.#count;
  }

  /**
   * The server to dial next: names resolved and the finder called anew;
   * `fresh` false when every one failed lately (back off first).
   */
  async pick(): Promise<{ server: HostPort; fresh: boolean }> {
    const spec = this.#spec;
    const list = typeof spec === "function"
      ? [await spec()]
      : await expandServers(this.given!, this.#resolve);
    const byAddress = new Map(list.map((one) => [formatHostPort(one.host, one.port), one]));
    this.#count = byAddress.size;
    const pick = this.#choice.pick([...byAddress.keys()], {
      now: Date.now(),
      random: Math.random,
    });
    return { server: byAddress.get(pick.address)!, fresh: pick.fresh };
  }

  /** `server` could not be reached, or its connection dropped. */
  failed(server: HostPort): void {
    this.#choice.failed(formatHostPort(server.host, server.port), Date.now());
  }

  /** The peer registered with `server`: it stays there while it works. */
  succeeded(server: HostPort): void {
    this.#choice.succeeded(formatHostPort(server.host, server.port));
  }
}

/** Finds the addresses of a host name (all of them, each with its family, 4 or 6). */
export type HostResolver = (host: string) => Promise<{ address: string; family: number }[]>;

/** The system's resolver (`getaddrinfo`: `/etc/hosts`, then DNS), as dialling uses. */
export const systemResolver: HostResolver = (host) => lookup(host, { all: true });

/**
 * `servers` with each name of several addresses of one family replaced by
 * those addresses (same port), duplicates dropped, in order.
 */
export async function expandServers(
  servers: readonly HostPort[],
  resolve: HostResolver = systemResolver,
): Promise<HostPort[]> {
  const expanded = await Promise.all(servers.map((server) => expandOne(server, resolve)));
  const seen = new Set<string>();
  return expanded.flat().filter((server) => {
    const key = formatHostPort(server.host, server.port);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function expandOne(server: HostPort, resolve: HostResolver): Promise<HostPort[]> {
  if (isIP(server.host) !== 0) return [server];
  let found: { address: string; family: number }[];
  try {
    found = await resolve(server.host);
  } catch {
    return [server];
  }
  const perFamily = new Map<number, number>();
  for (const { family } of found) perFamily.set(family, (perFamily.get(family) ?? 0) + 1);
  if (![...perFamily.values()].some((count) => count > 1)) return [server];
  return found.map(({ address }) => ({ host: address, port: server.port }));
}
