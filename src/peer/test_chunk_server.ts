/**
 * A chunk server sharing nothing, on loopback, for unit tests that need a
 * real peer to dial: its address, its ID and its credentials.
 *
 * @module
 */

import type { Credentials } from "../protocol/dial.ts";
import { testCredentials } from "../test_credentials.ts";
import { ChunkServer } from "./chunk_server.ts";
import { Library } from "./library.ts";

/** A running chunk server with an empty library, its ID and the credentials it proves. */
export async function emptyChunkServer(): Promise<
  { server: ChunkServer; id: string; credentials: Credentials }
> {
  const credentials = await testCredentials();
  const server = await ChunkServer.start({
    hostname: "127.0.0.1",
    port: 0,
    library: new Library(),
    credentials,
  });
  return { server, id: credentials.identity.id, credentials };
}
