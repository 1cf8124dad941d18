/**
 * Dials a p2pft listener once, pinned to an expected ID, and prints what
 * happened as one line: `secured ID` when TLS and the pin both passed, or
 * `refused MESSAGE`. Run as its own process by the security tests, so that
 * its environment (such as `DENO_CERT`, an extra authority the runtime
 * trusts) is set before the runtime starts.
 *
 * Usage: `deno run -A dial_secure_once.ts <host:port> <expected ID>`.
 *
 * @module
 */

import { parseHostPort } from "../../src/protocol/channel.ts";
import { dialSecure } from "../../src/protocol/secure_channel.ts";
import { errorMessage } from "../../src/log.ts";

const [address, expectId] = Deno.args;
try {
  const link = await dialSecure(parseHostPort(address), { expectId, timeoutMs: 5_000 });
  console.log(`secured ${link.remoteId}`);
  link.channel.close();
} catch (error) {
  console.log(`refused ${errorMessage(error)}`);
}
