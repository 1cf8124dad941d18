/**
 * A central server on loopback with one peer registered, for the server's
 * unit tests, and small distinct files for that peer to share.
 *
 * @module
 */

import { ServerLink } from "../peer/server_link.ts";
import type { SharedFileEntry } from "../protocol/messages.ts";
import { computeFileId } from "../storage/manifest.ts";
import { testCredentials } from "../test_credentials.ts";
import { CentralServer, type ServerOptions } from "./server.ts";

/** Files number `first` to `first + count - 1`, small and distinct, with their IDs. */
export async function smallFiles(count: number, first = 0): Promise<SharedFileEntry[]> {
  return await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const n = first + i;
      const hash = n.toString(16).padStart(64, "0");
      const manifest = { name: `f${n}.bin`, size: 4, chunkSize: 4, chunkHashes: [hash] };
      return { fileId: await computeFileId(manifest), manifest };
    }),
  );
}

/** A server and one peer registered with it, sharing `shares`; both closed on dispose. */
export async function serverAndLink(
  shares: SharedFileEntry[],
  options: Partial<ServerOptions> = {},
) {
  const server = await CentralServer.start({
    hostname: "127.0.0.1",
    port: 0,
    credentials: await testCredentials(),
    ...options,
  });
  const link = new ServerLink({
    server: { host: "127.0.0.1", port: server.port },
    credentials: await testCredentials(),
    listenPort: 9,
    shares: () => shares,
  });
  link.start();
  await link.waitConnected(10_000);
  return {
    server,
    link,
    async [Symbol.asyncDispose]() {
      await link.close();
      await server.close();
    },
  };
}
