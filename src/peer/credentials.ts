/**
 * Who a peer is on the wire and whom it trusts: its identity and network key
 * (kept in its data folder when it has one), and the identities of the
 * servers it met (trust on first use).
 *
 * @module
 */

import { join } from "node:path";
import type { Logger } from "../log.ts";
import type { Credentials } from "../protocol/dial.ts";
import { createIdentity, loadOrCreateIdentity } from "../security/identity.ts";
import { changedServerMessage, KnownServers } from "../security/known_servers.ts";
import { formatNetworkKey, NETWORK_KEY_FILE, parseNetworkKey } from "../security/network_key.ts";
import { readTextFileIfExists, writePrivateFile } from "../security/private_file.ts";
import { ServerIdentityError } from "./link_refusal.ts";

/** Name of the file in a peer's data folder that remembers server identities. */
export const KNOWN_SERVERS_FILE = "known_servers.json";

/**
 * This peer's identity and network key: kept in `dir` when there is one (a
 * key given now replaces the remembered one), else a fresh identity for this
 * run and only the key given.
 */
export async function credentialsOf(
  dir: string | undefined,
  given: Uint8Array | undefined,
): Promise<Credentials> {
  if (dir === undefined) return { identity: await createIdentity(), networkKey: given };
  const identity = await loadOrCreateIdentity(dir);
  const keyPath = join(dir, NETWORK_KEY_FILE);
  if (given) {
    await writePrivateFile(keyPath, formatNetworkKey(given) + "\n");
    return { identity, networkKey: given };
  }
  const remembered = await readTextFileIfExists(keyPath);
  return { identity, networkKey: remembered ? parseNetworkKey(remembered) : undefined };
}

/**
 * Trust on first use, as ssh's known_hosts: remembers the identity a server
 * proves at its first contact, and refuses a changed one with a message that
 * says what to do.
 */
export async function checkServer(
  known: KnownServers,
  options: { address: string; id: string; log: Logger },
): Promise<void> {
  const { address, id, log } = options;
  const verdict = known.check(address, id);
  if (verdict === "changed") {
    throw new ServerIdentityError(
      changedServerMessage(address, { known: known.get(address)!, seen: id, file: known.path }),
    );
  }
  if (verdict === "new") {
    await known.remember(address, id);
    log.info(`first contact with the server at ${address}: remembered its identity ${id}`);
  }
}

/** The servers met from data folder `dir`. */
export function openKnownServers(dir: string): Promise<KnownServers> {
  return KnownServers.open(join(dir, KNOWN_SERVERS_FILE));
}
