/**
 * A misbehaving peer, run as its own process by the fault tests. It shares
 * one file or folder through a real server like a normal peer, then serves chunks
 * badly on purpose:
 *
 * - `corrupt`: every chunk it sends has one byte flipped;
 * - `die-after:N`: it serves N chunks, then the process dies abruptly;
 * - `stall`: it accepts requests and never answers;
 * - `slow:MS`: it serves correct chunks one at a time, each after MS ms;
 * - `once`: it serves each chunk once in all (later asks get an error) and
 *   dies once every chunk is out, so the swarm must supply the rest;
 * - `trickle`: it answers the first request of each connection with a data
 *   header and then one byte a second, and ignores the others.
 *
 * Modes combine with commas (`slow:100,die-after:4`).
 *
 * On stdout it prints `File ID: <id>` once shared, then for every request
 * `asked for chunk N (connection C, request R)`, for every cancel
 * `cancelled (connection C, request R)`, `served chunk N` for every chunk
 * sent, and `connection C closed` when a connection ends: what the tests
 * check instead of the downloader's log wording.
 *
 * It joins the network whose key is in `P2PFT_KEY` (an open one without it)
 * with a fresh identity, like any peer.
 *
 * Usage: `deno run -A rogue_peer.ts <server host:port> <file or folder> <mode>`.
 *
 * @module
 */

import { KEY_VARIABLE } from "../../src/cli/options.ts";
import { silentLogger } from "../../src/log.ts";
import { Acceptor, listenTcp } from "../../src/protocol/acceptor.ts";
import { parseHostPort } from "../../src/protocol/channel.ts";
import type { Connection } from "../../src/protocol/connection.ts";
import { DATA_HEADER_BYTES, writeDataHeader } from "../../src/protocol/frame.ts";
import { parseMessage, peerToPeerSchema } from "../../src/protocol/messages.ts";
import { createIdentity } from "../../src/security/identity.ts";
import { parseNetworkKey } from "../../src/security/network_key.ts";
import { ChunkSource } from "../../src/storage/chunk_source.ts";
import { FolderSource } from "../../src/storage/folder_source.ts";
import { hashFile } from "../../src/storage/hash_file.ts";
import { hashFolder } from "../../src/storage/hash_folder.ts";
import { chunkLength } from "../../src/storage/manifest.ts";
import { ServerLink } from "../../src/peer/server_link.ts";

const [serverText, path, mode] = Deno.args;
const modes = new Map(
  mode.split(",").map((part) => {
    const [name, value] = part.split(":");
    return [name, Number(value ?? 0)];
  }),
);
const dieAfter = modes.get("die-after") ?? Infinity;
const delayMs = modes.get("slow") ?? 0;
/** Time between two bytes of a `trickle` rogue. */
const TRICKLE_INTERVAL_MS = 1_000;
/** Time for the last chunk to leave before a `once` rogue exits. */
const EXIT_GRACE_MS = 200;

const key = Deno.env.get(KEY_VARIABLE);
const credentials = {
  identity: await createIdentity(),
  networkKey: key ? parseNetworkKey(key) : undefined,
};
const folder = (await Deno.stat(path)).isDirectory;
const hashed = folder ? await hashFolder(path) : await hashFile(path);
const source = folder ? new FolderSource(path, hashed) : new ChunkSource(path, hashed);
const listener = await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr");
let served = 0;
let connections = 0;
const servedOnce = new Set<number>();
new Acceptor(listener, {
  role: "peer",
  accept: ["peer"],
  credentials,
  log: silentLogger(),
  onConnection: (connection) => misbehave(connection, ++connections),
});
const link = new ServerLink({
  server: parseHostPort(serverText),
  credentials,
  listenPort: listener.addr.port,
  shares: () => [{ fileId: hashed.fileId, manifest: hashed.manifest }],
});
link.start();
await link.waitConnected(10_000);
console.log(`rogue listening on 127.0.0.1:${listener.addr.port}`);
console.log(`File ID: ${hashed.fileId}`);

/** Serves the requests of connection `number` as the modes say. */
async function misbehave(connection: Connection, number: number): Promise<void> {
  let trickling = false;
  await connection.run(async (raw) => {
    const message = parseMessage(peerToPeerSchema, raw);
    if (message.t === "cancel") {
      console.log(`cancelled (connection ${number}, request ${message.re})`);
      return;
    }
    if (message.t !== "get") return;
    console.log(`asked for chunk ${message.index} (connection ${number}, request ${message.id})`);
    if (modes.has("stall")) return;
    if (modes.has("trickle")) {
      if (trickling) return;
      trickling = true;
      trickle(connection, message);
      return;
    }
    if (modes.has("once") && servedOnce.has(message.index)) {
      await connection.replyError(message.id, {
        code: "unavailable",
        message: "this rogue serves each chunk once",
      });
      return;
    }
    servedOnce.add(message.index);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const length = chunkLength(hashed.manifest, message.index);
    const frame = new Uint8Array(DATA_HEADER_BYTES + length);
    await source.readChunk(message.index, frame.subarray(DATA_HEADER_BYTES));
    if (modes.has("corrupt")) frame[DATA_HEADER_BYTES + length - 1] ^= 0xff;
    writeDataHeader(frame, message.id, { length });
    await connection.sendRaw(frame);
    served++;
    console.log(`served chunk ${message.index}`);
    if (served >= dieAfter) Deno.exit(9);
    if (modes.has("once") && servedOnce.size === hashed.manifest.chunkHashes.length) {
      setTimeout(() => Deno.exit(9), EXIT_GRACE_MS);
    }
  }).catch(() => {});
  console.log(`connection ${number} closed`);
}

/** Sends the header of the chunk `request` asks for, then its bytes one a second. */
function trickle(connection: Connection, request: { id: number; index: number }): void {
  const header = new Uint8Array(DATA_HEADER_BYTES);
  writeDataHeader(header, request.id, { length: chunkLength(hashed.manifest, request.index) });
  connection.sendRaw(header).catch(() => {});
  const timer = setInterval(() => {
    if (connection.closed) clearInterval(timer);
    else connection.sendRaw(new Uint8Array(1)).catch(() => clearInterval(timer));
  }, TRICKLE_INTERVAL_MS);
}
