/**
 * Servers a peer has met, trusted at first contact (as ssh's `known_hosts`):
 * a JSON file `{ "host:port": "<server id>" }`. The first identity a server
 * address presents is remembered; a different one later is refused with
 * `changedServerMessage`, since it means either a reinstalled server or
 * someone impersonating it, and only the user can tell which.
 *
 * @module
 */

import { dirname } from "node:path";
import { isId } from "./identity.ts";
import { readTextFileIfExists, writePrivateFile } from "./private_file.ts";

/** How an identity a server presented compares with the one remembered for its address. */
export type KnownServerCheck = "new" | "same" | "changed";

/**
 * The remembered server identities in one file. Addresses are compared as
 * given: callers pass them in one form (`host:port`, as the user wrote
 * the server address). Calls are not meant to overlap with another process
 * writing the same file.
 */
export class KnownServers {
  readonly #path: string;
  readonly #servers: Map<string, string>;

  private constructor(path: string, servers: Map<string, string>) {
    this.#path = path;
    this.#servers = servers;
  }

  /**
   * Opens the file at `path`; a missing file is an empty list. A damaged
   * file throws an error that names it and says what to do.
   */
  static async open(path: string): Promise<KnownServers> {
    const text = await readTextFileIfExists(path);
    if (text === undefined) return new KnownServers(path, new Map());
    const servers = parseKnownServers(text);
    if (servers === undefined) {
      throw new Error(
        `${path} is damaged (it must map "host:port" to server IDs); fix it, or delete it ` +
          `to trust every server again at its next contact`,
      );
    }
    return new KnownServers(path, servers);
  }

  /** The file these servers are kept in. */
  get path(): string {
    return this.#path;
  }

  /** The identity remembered for `address`, if any. */
  get(address: string): string | undefined {
    return this.#servers.get(address);
  }

  /** Whether `id` is new for `address`, the one remembered, or a changed one. */
  check(address: string, id: string): KnownServerCheck {
    const known = this.#servers.get(address);
    if (known === undefined) return "new";
    return known === id ? "same" : "changed";
  }

  /** Remembers `id` for `address` (replacing any other) and saves the file atomically. */
  async remember(address: string, id: string): Promise<void> {
    if (!isId(id)) throw new Error(`cannot remember ${JSON.stringify(id)}: it is not a server ID`);
    if (this.#servers.get(address) === id) return;
    this.#servers.set(address, id);
    await this.#save();
  }

  /** Forgets `address`; whether it was known. Saves the file atomically when it was. */
  async forget(address: string): Promise<boolean> {
    if (!this.#servers.delete(address)) return false;
    await this.#save();
    return true;
  }

  async #save(): Promise<void> {
    await Deno.mkdir(dirname(this.#path), { recursive: true });
    const sorted = [...this.#servers].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
    await writePrivateFile(this.#path, JSON.stringify(Object.fromEntries(sorted), null, 2) + "\n");
  }
}

function parseKnownServers(text: string): Map<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed);
  if (!entries.every(([, id]) => typeof id === "string" && isId(id))) return undefined;
  return new Map(entries as [string, string][]);
}

/** What `changedServerMessage` needs besides the address. */
export interface ChangedServerDetails {
  /** The ID remembered for the address. */
  known: string;
  /** The ID the server presented now. */
  seen: string;
  /** The known-servers file. */
  file: string;
  /** A command that forgets the address, when the program has one. */
  forgetCommand?: string;
}

/**
 * The error shown when the server at `address` presents another identity
 * than the one remembered: both IDs, how to accept a server reinstalled on
 * purpose, and the warning that otherwise someone may be impersonating it.
 */
export function changedServerMessage(address: string, details: ChangedServerDetails): string {
  const { known, seen, file, forgetCommand } = details;
  const howToForget = forgetCommand === undefined
    ? `remove the entry for "${address}" from ${file}`
    : `run \`${forgetCommand}\` (or remove the entry for "${address}" from ${file})`;
  return [
    `the server at ${address} presented identity ${seen}, ` +
    `but identity ${known} was remembered for it`,
    `if that server was reinstalled or its data folder reset on purpose, ${howToForget} ` +
    `and connect again`,
    `otherwise someone may be impersonating the server: do not connect`,
  ].join("\n");
}
