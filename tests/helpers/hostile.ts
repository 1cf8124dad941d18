/**
 * Hostile members of a network, run inside the test process against real
 * p2pft processes (the integrity tests): they hold the network key, so the
 * secure handshake lets them in, and then they lie.
 *
 * - {@linkcode startSubstitutingServer}: a central server that answers every
 *   `lookup` with a file of its choosing (a self-consistent manifest and its
 *   real sources, or any answer the test gives, such as a hostile folder
 *   manifest), whatever ID or prefix was asked for.
 * - {@linkcode startCorruptSource}: a peer that shares a file through a real
 *   server and answers every `get` with the chunk's bytes, one flipped.
 *
 * @module
 */

import { HEARTBEAT_INTERVAL_MS, PEER_TIMEOUT_MS } from "../../src/constants.ts";
import { silentLogger } from "../../src/log.ts";
import { ServerLink } from "../../src/peer/server_link.ts";
import { Acceptor, listenTcp } from "../../src/protocol/acceptor.ts";
import { formatHostPort, parseHostPort } from "../../src/protocol/channel.ts";
import type { Connection } from "../../src/protocol/connection.ts";
import type { Credentials } from "../../src/protocol/dial.ts";
import { DATA_HEADER_BYTES, writeDataHeader } from "../../src/protocol/frame.ts";
import {
  parseMessage,
  peerToPeerSchema,
  peerToServerSchema,
  type SharedFileEntry,
  type Source,
} from "../../src/protocol/messages.ts";
import { createIdentity } from "../../src/security/identity.ts";
import { ChunkSource } from "../../src/storage/chunk_source.ts";
import { hashFile } from "../../src/storage/hash_file.ts";
import { chunkLength } from "../../src/storage/manifest.ts";

/** Time a hostile peer waits to be registered with its server. */
const REGISTER_TIMEOUT_MS = 10_000;

/** A fresh identity in the network of `networkKey`. */
async function member(networkKey: Uint8Array): Promise<Credentials> {
  return { identity: await createIdentity(), networkKey };
}

/** A central server that lies about which file an ID names. */
export interface SubstitutingServer extends AsyncDisposable {
  /** `host:port` it listens on. */
  address: string;
  /** The files peers shared with it, with who shares them. */
  shared(): { file: SharedFileEntry; source: Source }[];
  /** The queries peers looked up, in order. */
  lookups: string[];
}

/**
 * Starts a server on loopback, in the network of `networkKey`, that accepts
 * peers as a real one does but answers every `lookup` with the first file a
 * peer shared with it (and that peer as its source), whatever was asked.
 */
export async function startSubstitutingServer(
  networkKey: Uint8Array,
  options: { answer?: () => Record<string, unknown> } = {},
): Promise<SubstitutingServer> {
  const shared: { file: SharedFileEntry; source: Source }[] = [];
  const lookups: string[] = [];
  const listener = await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr");
  const acceptor = new Acceptor(listener, {
    role: "server",
    accept: ["peer"],
    credentials: await member(networkKey),
    log: silentLogger(),
    onConnection: (connection) =>
      serveLies(connection, { shared, lookups, answer: options.answer }),
  });
  return {
    address: acceptor.address,
    shared: () => [...shared],
    lookups,
    [Symbol.asyncDispose]: () => acceptor.close("test over"),
  };
}

async function serveLies(
  connection: Connection,
  state: {
    shared: { file: SharedFileEntry; source: Source }[];
    lookups: string[];
    /** What to answer every lookup with instead of a shared file (a hostile manifest). */
    answer?: () => Record<string, unknown>;
  },
): Promise<void> {
  let address = "";
  await connection.run(async (raw) => {
    const message = parseMessage(peerToServerSchema, raw);
    switch (message.t) {
      case "register": {
        const observed = connection.channel.remoteAddr as Deno.NetAddr;
        address = formatHostPort(observed.hostname, message.listenPort);
        await connection.reply(message.id, {
          address,
          heartbeatMs: HEARTBEAT_INTERVAL_MS,
          timeoutMs: PEER_TIMEOUT_MS,
        });
        return;
      }
      case "share":
        for (const file of message.files) {
          state.shared.push({ file, source: { peerId: connection.remoteId, address } });
        }
        await connection.reply(message.id);
        return;
      case "lookup": {
        state.lookups.push(message.query);
        if (state.answer) {
          await connection.reply(message.id, state.answer());
          return;
        }
        const [first] = state.shared;
        if (!first) {
          await connection.replyError(message.id, { code: "not-found", message: "nothing yet" });
          return;
        }
        await connection.reply(message.id, {
          fileId: first.file.fileId,
          manifest: first.file.manifest,
          sources: [first.source],
          total: 1,
        });
        return;
      }
      case "sources":
        await connection.reply(message.id, {
          sources: state.shared.filter((s) => s.file.fileId === message.fileId).map((s) =>
            s.source
          ),
          total: state.shared.filter((s) => s.file.fileId === message.fileId).length,
        });
        return;
      case "unshare":
        await connection.reply(message.id);
        return;
      case "files":
        await connection.reply(message.id, { files: [] });
        return;
      case "peers":
        await connection.reply(message.id, { peers: [] });
        return;
      default:
        return;
    }
  });
}

/** A peer that serves corrupt chunks. */
export interface CorruptSource extends AsyncDisposable {
  /** The ID of the file it shares. */
  fileId: string;
  /** The chunk index of every `get` it was sent, in order. */
  asked: number[];
}

/**
 * Starts a peer in the network of `networkKey` that shares `file` through
 * the server at `server` and answers every `get` with the chunk's bytes,
 * its last byte flipped. Resolves once it is registered.
 */
export async function startCorruptSource(
  server: string,
  options: { file: string; networkKey: Uint8Array },
): Promise<CorruptSource> {
  const credentials = await member(options.networkKey);
  const hashed = await hashFile(options.file);
  const source = new ChunkSource(options.file, hashed);
  const asked: number[] = [];
  const listener = await listenTcp({ host: "127.0.0.1", port: 0 }, "--addr");
  const acceptor = new Acceptor(listener, {
    role: "peer",
    accept: ["peer"],
    credentials,
    log: silentLogger(),
    onConnection: (connection) =>
      connection.run(async (raw) => {
        const message = parseMessage(peerToPeerSchema, raw);
        if (message.t !== "get") return;
        asked.push(message.index);
        const length = chunkLength(hashed.manifest, message.index);
        const frame = new Uint8Array(DATA_HEADER_BYTES + length);
        await source.readChunk(message.index, frame.subarray(DATA_HEADER_BYTES));
        frame[DATA_HEADER_BYTES + length - 1] ^= 0xff;
        writeDataHeader(frame, message.id, { length });
        await connection.sendRaw(frame);
      }),
  });
  const link = new ServerLink({
    server: parseHostPort(server),
    credentials,
    listenPort: acceptor.addr.port,
    shares: () => [{ fileId: hashed.fileId, manifest: hashed.manifest }],
  });
  link.start();
  try {
    await link.waitConnected(REGISTER_TIMEOUT_MS);
  } catch (error) {
    await link.close();
    await acceptor.close("test over");
    throw error;
  }
  return {
    fileId: hashed.fileId,
    asked,
    async [Symbol.asyncDispose]() {
      await link.close();
      await acceptor.close("test over");
      source.close();
    },
  };
}
