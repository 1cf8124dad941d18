/**
 * The server's part in relaying: a downloader names a source when neither
 * can be dialled (`relay`), and the server finds them a relay: its own
 * first, else one that a reachable peer offers (`p2pft peer --relay`),
 * asked to expect the token (`relay-link`). Either way the relay joins only
 * the two registered peers the server names, never an address a peer
 * names, and both peers learn where it listens from the server.
 *
 * @module
 */

import { MAX_PEER_RELAYS_ASKED, PEER_RELAY_ASK_TIMEOUT_MS } from "./constants.ts";
import { errorMessage, type Logger } from "../log.ts";
import { formatHostPort, type HostPort, parseHostPort } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import { type Relay, relayToken } from "../protocol/relay.ts";
import type { RequestRate } from "../protocol/request_rate.ts";
import { withTimeout } from "../protocol/timeouts.ts";
import { seenBy } from "./seen_address.ts";

/** The relays peers offer: peer ID -> `host:port` where its relay listens, as the server saw it. */
export class PeerRelays {
  #offers = new Map<string, string>();

  /** How many peers offer a relay now. */
  get size(): number {
    return this.#offers.size;
  }

  /** Notes that peer `peerId` relays at `address` (`host:port`). */
  offer(peerId: string, address: string): void {
    this.#offers.set(peerId, address);
  }

  /** Forgets the relay of peer `peerId`, if it offered one. */
  withdraw(peerId: string): void {
    this.#offers.delete(peerId);
  }

  /**
   * Up to `count` offers, none from `exclude`, the longest unused first:
   * each one handed out goes to the back of the line.
   */
  next(exclude: string[], count: number): { peerId: string; address: string }[] {
    const picked: { peerId: string; address: string }[] = [];
    for (const [peerId, address] of this.#offers) {
      if (picked.length >= count) break;
      if (!exclude.includes(peerId)) picked.push({ peerId, address });
    }
    for (const { peerId, address } of picked) {
      this.#offers.delete(peerId);
      this.#offers.set(peerId, address);
    }
    return picked;
  }
}

/**
 * The address to note for the relay that registering peer offers on
 * `relayPort`, at the `host` its connection came from, when the server
 * could dial its chunk port (`reachable`) and can connect to that port
 * (`connects`); undefined otherwise.
 */
export async function offeredRelay(
  offer: { host: string; relayPort?: number; reachable: boolean | undefined },
  connects: (target: HostPort) => Promise<boolean> = canConnect,
): Promise<string | undefined> {
  if (offer.relayPort === undefined || offer.reachable !== true) return undefined;
  const target = { host: offer.host, port: offer.relayPort };
  return await connects(target) ? formatHostPort(target.host, target.port) : undefined;
}

/** True when a TCP connection to `target` opens within the probe time. */
async function canConnect(target: HostPort): Promise<boolean> {
  try {
    const conn = await withTimeout(Deno.connect({ hostname: target.host, port: target.port }), {
      ms: PEER_RELAY_ASK_TIMEOUT_MS,
      what: "connecting to the offered relay",
    });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** What the server knows that a relay request needs. */
export interface RelayDesk {
  /** The server's relay; undefined when it relays nothing itself (`--no-relay`). */
  relay: Relay | undefined;
  /** The relays peers offer. */
  peerRelays: PeerRelays;
  /** Whether the server could dial peer `peerId` back; undefined when not registered. */
  reachable: (peerId: string) => boolean | undefined;
  /** The connection of registered peer `peerId`. */
  connectionOf: (peerId: string) => Connection | undefined;
  log: Logger;
}

/** A relay found for one link: its token, and where it listens (no host: the server's). */
interface Ticket {
  token: string;
  port: number;
  /** `host:port` of a peer's relay. */
  address?: string;
}

/**
 * Answers `request` from `requester` on `connection`: refused when no relay
 * is to be had (the server relays nothing and no peer offers to), over the
 * requester's `rate`, when either peer can be dialled (go direct, or ask for
 * reversal), when the source is not a registered peer, or when every relay
 * is full; otherwise the source is sent `relay {peerId, token, port, host?}`
 * and the request answered with `{token, port, host?}` (`host` for a
 * peer's relay, as each of the two reaches it).
 */
export async function passRelay(
  connection: Connection,
  asked: { request: { id: number; peerId: string }; requester: string; rate: RequestRate },
  desk: RelayDesk,
): Promise<void> {
  const { request, requester } = asked;
  const refuse = (code: string, message: string) =>
    connection.replyError(request.id, { code, message });
  if (!desk.relay && desk.peerRelays.size === 0) {
    return await refuse(
      "relay-off",
      "this server does not relay (--no-relay) and no peer offers to (--relay): forward a port",
    );
  }
  if (!asked.rate.take(Date.now())) {
    return await refuse("rate-limited", "too many relay requests; wait a moment and ask again");
  }
  const target = request.peerId === requester ? undefined : desk.connectionOf(request.peerId);
  if (!target) {
    return await refuse("not-found", `peer ${request.peerId} is not connected to the server`);
  }
  if (desk.reachable(requester) !== false || desk.reachable(request.peerId) !== false) {
    return await refuse(
      "reachable",
      "the server relays only between two peers it cannot dial: dial the source, " +
        "or ask it to dial back (reverse)",
    );
  }
  const peers: [string, string] = [requester, request.peerId];
  const token = desk.relay?.issue(peers);
  const ticket = token ? { token, port: desk.relay!.port } : await peerTicket(peers, desk);
  if (!ticket) {
    return await refuse("busy", "every relay holds all the links it may; try again later");
  }
  desk.log.debug(
    `relay asked from ${requester} to ${request.peerId}` +
      (ticket.address ? `, through the relay of a peer at ${ticket.address}` : ""),
  );
  target.send({ t: "relay", peerId: requester, ...where(ticket, target) }).catch(() => {});
  await connection.reply(request.id, where(ticket, connection));
}

/** `ticket`'s token, port, and host as the peer on `connection` is to reach it. */
function where(ticket: Ticket, connection: Connection) {
  if (!ticket.address) return { token: ticket.token, port: ticket.port };
  const [seen] = seenBy(connection, [{ address: ticket.address }]);
  const { host, port } = parseHostPort(seen.address);
  return { token: ticket.token, port, host };
}

/** A token a peer's relay agreed to expect for a link between `peers`; undefined when none did. */
async function peerTicket(peers: [string, string], desk: RelayDesk): Promise<Ticket | undefined> {
  for (const offer of desk.peerRelays.next(peers, MAX_PEER_RELAYS_ASKED)) {
    const relayConnection = desk.connectionOf(offer.peerId);
    if (!relayConnection) continue;
    const token = relayToken();
    try {
      await withTimeout(relayConnection.request({ t: "relay-link", token, peers }), {
        ms: PEER_RELAY_ASK_TIMEOUT_MS,
        what: `asking peer ${offer.peerId} to relay`,
      });
      return { token, port: parseHostPort(offer.address).port, address: offer.address };
    } catch (error) {
      desk.log.debug(`peer ${offer.peerId} relays no more links now: ${errorMessage(error)}`);
    }
  }
  return undefined;
}
