/**
 * Credentials for unit tests that open real connections: fresh identities
 * (Ed25519 keys take milliseconds) and one network key for the whole run.
 *
 * @module
 */

import type { Credentials } from "./protocol/dial.ts";
import { createIdentity } from "./security/identity.ts";
import { generateNetworkKey, parseNetworkKey } from "./security/network_key.ts";

/** The network key every test process of this run shares. */
export const TEST_NETWORK_KEY = parseNetworkKey(generateNetworkKey());

/** A fresh identity on the test network (or on an open one, with `open`). */
export async function testCredentials(options: { open?: boolean } = {}): Promise<Credentials> {
  return {
    identity: await createIdentity(),
    networkKey: options.open ? undefined : TEST_NETWORK_KEY,
  };
}
