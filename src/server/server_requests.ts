/**
 * What the central server answers to each request of a registered peer
 * (`register`, `share`, `lookup`, `sources`, listings, reversal and relay
 * requests, ...). The server itself (server.ts) accepts connections, limits
 * their request rate and parses each message; this module acts on a parsed
 * message with the state the server holds, given as one {@linkcode RequestDesk}
 * shared by all connections.
 *
 * @module
 */

import { HEARTBEAT_INTERVAL_MS, MAX_LISTING_PAGE } from "../constants.ts";
import { errorMessage, type Logger } from "../log.ts";
import { formatHostPort } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import type { Credentials } from "../protocol/dial.ts";
import type { PeerToServer } from "../protocol/messages.ts";
import type { Relay } from "../protocol/relay.ts";
import type { RequestRate } from "../protocol/request_rate.ts";
import { Bitfield } from "../storage/bitfield.ts";
import type { Page } from "../storage/file_listing.ts";
import { LookupError } from "../storage/file_lookup.ts";
import { computeFileId } from "../storage/manifest.ts";
import { ShareLimitError } from "../storage/share_limits.ts";
import type { IndexStore } from "./index_store.ts";
import type { ProbeGate } from "./probe_gate.ts";
import { probeReachable, reachabilityNote } from "./reachability.ts";
import type { ReachTable } from "./reach_table.ts";
import { offeredRelay, passRelay, type PeerRelays } from "./relays.ts";
import { passReversal } from "./reversals.ts";
import type { NatSide } from "./same_nat.ts";
import { seenBy } from "./seen_address.ts";

/** What the server knows of one connection. */
export interface Session {
  /** Set by `register`, once it is done. */
  peerId?: string;
  /**
   * The peer and where it sits, from the moment its `register` arrives: the
   * requests that only read the index are answered while its probe runs.
   */
  asking?: { peerId: string; side: NatSide };
  /** The registration under way: requests that change the index wait for it. */
  registering?: Promise<void>;
  /** Requests it may still send. */
  rate: RequestRate;
  /** Reversal and relay requests it may still pass on. */
  reversals: RequestRate;
}

/** The server's state that requests read and change: one for all connections. */
export interface RequestDesk {
  /** Peers and the files they share. */
  index: IndexStore;
  /** Where each peer sits (public IP, local networks), for peers behind the same NAT. */
  reach: ReachTable;
  /** Runs the reachability probes of registrations. */
  probes: ProbeGate;
  /** The connection of each registered peer. */
  connections: Map<string, Connection>;
  /** Relay offers of the peers that relay. */
  peerRelays: PeerRelays;
  /** The server's relay; undefined when it relays nothing. */
  relay: Relay | undefined;
  /** The server's identity, for its probes. */
  credentials: Credentials;
  /** Silence after which a peer is dropped, told to each peer that registers. */
  peerTimeoutMs: number;
  log: Logger;
}

/**
 * Acts on `asked.message` from the peer of `connection` (its `session`) and
 * answers it. A request that fails is answered with an error (its code when
 * the index refused it, `bad-request` otherwise); a failing notice (no `id`)
 * throws, which closes the connection.
 */
export async function answerRequest(
  connection: Connection,
  asked: { session: Session; message: PeerToServer },
  desk: RequestDesk,
): Promise<void> {
  const { message } = asked;
  try {
    await dispatch(connection, asked, desk);
  } catch (error) {
    if (!("id" in message)) throw error;
    const code = error instanceof LookupError || error instanceof ShareLimitError
      ? error.code
      : "bad-request";
    await connection.replyError(message.id, { code, message: errorMessage(error) });
  }
}

async function dispatch(
  connection: Connection,
  asked: { session: Session; message: PeerToServer },
  desk: RequestDesk,
): Promise<void> {
  const { session, message } = asked;
  const { index, reach } = desk;
  switch (message.t) {
    case "register":
      return await register(connection, { session, message }, desk);
    case "share": {
      for (const file of message.files) {
        if (await computeFileId(file.manifest) !== file.fileId) {
          throw new Error(`file ID ${file.fileId} does not match its manifest`);
        }
        const count = file.manifest.chunkHashes.length;
        const chunks = file.chunks === undefined
          ? undefined
          : Bitfield.fromBase64(file.chunks, count);
        index.share(session.peerId!, { fileId: file.fileId, manifest: file.manifest, chunks });
        desk.log.debug(`peer ${session.peerId} shares ${file.manifest.name} (${file.fileId})`);
      }
      await connection.reply(message.id);
      return;
    }
    case "unshare":
      index.unshare(session.peerId!, message.fileId);
      await connection.reply(message.id);
      return;
    case "have":
      index.have(session.peerId!, message);
      return;
    case "sources": {
      const found = index.sources(message.fileId);
      await connection.reply(message.id, {
        ...found,
        sources: seenByAsker(found.sources, { connection, session, reach }),
      });
      return;
    }
    case "lookup": {
      const found = index.lookup(message.query);
      await connection.reply(message.id, {
        ...found,
        sources: seenByAsker(found.sources, { connection, session, reach }),
      });
      return;
    }
    case "files":
      await connection.reply(message.id, {
        ...index.files(listingPage(message), {
          idPrefix: message.idPrefix,
          namePrefix: message.namePrefix,
        }),
      });
      return;
    case "peers": {
      const listed = index.peers(Date.now(), listingPage(message));
      await connection.reply(message.id, {
        ...listed,
        peers: seenByAsker(listed.peers, { connection, session, reach }),
      });
      return;
    }
    case "reverse":
    case "relay": {
      const request = { request: message, requester: session.peerId!, rate: session.reversals };
      const pass = message.t === "reverse" ? passReversal : passRelay;
      await pass(connection, request, {
        relay: desk.relay,
        peerRelays: desk.peerRelays,
        reachable: (peerId) => index.reachable(peerId),
        connectionOf: (peerId) => desk.connections.get(peerId),
        addressOf: (peerId) => index.addressOf(peerId),
        log: desk.log,
      });
      return;
    }
    case "heartbeat":
      return;
    case "bye":
      connection.close("peer said goodbye");
      return;
  }
}

/**
 * Registers the peer of `connection` at the address its connection came
 * from, with the port it names, after a probe of whether the server can dial
 * it there; an earlier connection of the same peer is closed.
 */
async function register(
  connection: Connection,
  asked: { session: Session; message: Extract<PeerToServer, { t: "register" }> },
  desk: RequestDesk,
): Promise<void> {
  const { session, message } = asked;
  const observed = connection.channel.remoteAddr as Deno.NetAddr;
  // Others are sent where this peer's connection came from: a peer
  // cannot point downloaders at an address of its choosing.
  const address = formatHostPort(observed.hostname, message.listenPort);
  const peerId = connection.remoteId;
  const networks = message.localNetworks ?? [];
  session.asking = { peerId, side: { publicHost: observed.hostname, networks } };
  const reachable = await desk.probes.run(observed.hostname, () =>
    probeReachable(
      { host: observed.hostname, port: message.listenPort },
      { credentials: desk.credentials, peerId },
    ));
  const relay = await offeredRelay({ ...message, host: observed.hostname, reachable });
  if (connection.closed) return;
  const previous = desk.connections.get(peerId);
  if (previous && previous !== connection) previous.close("replaced by a new connection");
  session.peerId = peerId;
  desk.connections.set(peerId, connection);
  desk.reach.note(peerId, { publicHost: observed.hostname, networks });
  desk.index.join(peerId, { address, reachable, now: Date.now() });
  if (relay) desk.peerRelays.offer(peerId, relay);
  desk.log.info(`peer ${peerId} registered at ${address}${reachabilityNote(reachable)}`);
  await connection.reply(message.id, {
    address,
    reachable,
    heartbeatMs: HEARTBEAT_INTERVAL_MS,
    timeoutMs: desk.peerTimeoutMs,
    ...(message.relayPort ? { relaying: relay !== undefined } : {}),
  });
}

/**
 * `entries` as the peer asking on `connection` sees them: at the addresses it
 * reaches them at, and flagged where nobody can dial them, except for the
 * peers behind its own NAT (where it sits is known from its `register` on).
 */
function seenByAsker<T extends { peerId: string; address: string }>(
  entries: T[],
  asked: { connection: Connection; session: Session; reach: ReachTable },
): (T & { reachable?: false })[] {
  const { connection, session, reach } = asked;
  const asking = session.asking;
  return reach.flagged(seenBy(connection, entries), asking?.peerId, { side: asking?.side });
}

/** The page a listing request asks for, its size capped at `MAX_LISTING_PAGE`. */
export function listingPage(request: { offset?: number; limit?: number }): Page {
  return {
    offset: request.offset ?? 0,
    limit: Math.min(request.limit ?? MAX_LISTING_PAGE, MAX_LISTING_PAGE),
  };
}
