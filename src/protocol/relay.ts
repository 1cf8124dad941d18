/**
 * A relay, for two peers that can dial neither each other nor be dialled
 * (both behind NAT): run by the server, or by a peer that offers it
 * (`p2pft peer --relay`). The server issues a one-time token for a link
 * between two registered peers (the relay learns it from the server, never
 * from a peer), both peers open a connection to the relay port and send the
 * token first, and the relay pairs the two and splices their bytes both
 * ways, raw: inside, the peers run the usual secure channel and handshake
 * (TLS, pinned IDs, network-key proof), so the relay carries ciphertext
 * only. It never dials anyone, and holds to its limits: links at once, bytes
 * a second per peer and in all, and an idle timeout. See "Relay" in
 * docs/protocol.md.
 *
 * @module
 */

import type net from "node:net";
import {
  MAX_RELAY_LINKS,
  MAX_RELAY_LINKS_PER_PEER,
  RELAY_PEER_BYTES_PER_SECOND,
  RELAY_TOTAL_BYTES_PER_SECOND,
} from "../constants.ts";
import { RELAY_IDLE_TIMEOUT_MS, RELAY_PAIRING_TIMEOUT_MS, RELAY_TOKEN_BYTES } from "./constants.ts";
import type { Logger } from "../log.ts";
import { listenTcp } from "./acceptor.ts";
import { addressGroup } from "./admission.ts";
import type { HostPort } from "./channel.ts";
import { RelayBudget, type RelayLimits } from "./relay_limits.ts";

/** The relay's limits by default. */
export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  peerBytesPerSecond: RELAY_PEER_BYTES_PER_SECOND,
  totalBytesPerSecond: RELAY_TOTAL_BYTES_PER_SECOND,
  links: MAX_RELAY_LINKS,
  linksPerPeer: MAX_RELAY_LINKS_PER_PEER,
};

/** Options of {@linkcode Relay.open}. */
export interface RelayOptions {
  limits?: RelayLimits;
  /** Silence after which a link is closed; default {@linkcode RELAY_IDLE_TIMEOUT_MS}. */
  idleMs?: number;
  /** Time one half waits for the other; default {@linkcode RELAY_PAIRING_TIMEOUT_MS}. */
  pairingMs?: number;
  log: Logger;
}

/** One link the relay expects: its two peers and the halves that arrived. */
interface Pending {
  peers: [string, string];
  halves: { socket: net.Socket; early: Buffer }[];
  timer: ReturnType<typeof setTimeout>;
}

const TOKEN_CHARS = RELAY_TOKEN_BYTES * 2;

/** Connections the relay holds per link it may hold: its two halves, and room for strangers. */
const SOCKETS_PER_LINK = 4;

/**
 * Connections one IP (IPv6: one /64) may hold before they present a token, per link one
 * peer may take part in: strangers on one host cannot fill every slot.
 */
const UNREAD_PER_HOST_PER_LINK = 2;

/** A relay port: the server's, or that of a peer offering to relay. */
export class Relay {
  /** Port it listens on. */
  readonly port: number;
  #server: net.Server;
  #options: RelayOptions;
  #budget: RelayBudget;
  #pending = new Map<string, Pending>();
  #sockets = new Set<net.Socket>();
  #maxSockets: number;
  /** Address group (an IPv4 address, an IPv6 /64) -> connections from it not yet past their token. */
  #unread = new Map<string, number>();
  #maxUnreadPerHost: number;

  private constructor(server: net.Server, port: number, options: RelayOptions) {
    this.#server = server;
    this.port = port;
    this.#options = options;
    const limits = options.limits ?? DEFAULT_RELAY_LIMITS;
    this.#budget = new RelayBudget(limits, Date.now());
    this.#maxSockets = limits.links * SOCKETS_PER_LINK;
    this.#maxUnreadPerHost = limits.linksPerPeer * UNREAD_PER_HOST_PER_LINK;
    server.on("connection", (socket: net.Socket) => this.#admit(socket));
  }

  /** Listens on `address` (the option `--relay-port` sets its port). */
  static async open(address: HostPort, options: RelayOptions): Promise<Relay> {
    const listener = await listenTcp(address, "--relay-port");
    return new Relay(listener.server, listener.addr.port, options);
  }

  /** Links held now, pending or spliced. */
  get links(): number {
    return this.#budget.links;
  }

  /**
   * A one-time token that joins the next two connections presenting it, for
   * a link between `peers`; undefined when the relay holds all the links it may.
   */
  issue(peers: [string, string]): string | undefined {
    const token = relayToken();
    return this.expect(token, peers) ? token : undefined;
  }

  /**
   * Joins the next two connections presenting `token` (a server issued it),
   * for a link between `peers`; false when the relay holds all the links it
   * may, or the token is malformed or already expected.
   */
  expect(token: string, peers: [string, string]): boolean {
    if (token.length !== TOKEN_CHARS || this.#pending.has(token)) return false;
    if (!this.#budget.openLink(peers)) return false;
    const timer = setTimeout(() => {
      const pending = this.#pending.get(token);
      if (!pending) return;
      this.#pending.delete(token);
      for (const half of pending.halves) half.socket.destroy();
      this.#budget.closeLink(peers);
      this.#options.log.debug(`relay between ${peers.join(" and ")}: not joined in time`);
    }, this.#options.pairingMs ?? RELAY_PAIRING_TIMEOUT_MS);
    this.#pending.set(token, { peers, halves: [], timer });
    return true;
  }

  /** Stops listening and closes every link. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    this.#pending.clear();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #admit(socket: net.Socket): void {
    const host = addressGroup(socket.remoteAddress ?? "");
    const unread = this.#unread.get(host) ?? 0;
    if (this.#sockets.size >= this.#maxSockets || unread >= this.#maxUnreadPerHost) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    this.#unread.set(host, unread + 1);
    let counted = true;
    const read = () => {
      if (!counted) return;
      counted = false;
      const left = (this.#unread.get(host) ?? 1) - 1;
      if (left > 0) this.#unread.set(host, left);
      else this.#unread.delete(host);
    };
    socket.once("close", () => {
      this.#sockets.delete(socket);
      read();
    });
    socket.on("error", () => socket.destroy());
    const late = setTimeout(
      () => socket.destroy(),
      this.#options.pairingMs ?? RELAY_PAIRING_TIMEOUT_MS,
    );
    let received = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (received.length < TOKEN_CHARS) return;
      socket.off("data", onData);
      socket.pause();
      clearTimeout(late);
      read();
      this.#join(socket, {
        token: received.subarray(0, TOKEN_CHARS).toString("latin1"),
        early: received.subarray(TOKEN_CHARS),
      });
    };
    socket.on("data", onData);
    socket.resume();
  }

  #join(socket: net.Socket, presented: { token: string; early: Buffer }): void {
    const pending = this.#pending.get(presented.token);
    if (!pending) {
      socket.destroy();
      return;
    }
    pending.halves.push({ socket, early: presented.early });
    if (pending.halves.length < 2) return;
    this.#pending.delete(presented.token);
    clearTimeout(pending.timer);
    this.#splice(pending);
  }

  #splice(pending: Pending): void {
    const [a, b] = pending.halves;
    const { peers } = pending;
    this.#options.log.info(`relaying between peers ${peers.join(" and ")}`);
    let open = 2;
    const closed = () => {
      if (--open === 0) this.#budget.closeLink(peers);
    };
    const idleMs = this.#options.idleMs ?? RELAY_IDLE_TIMEOUT_MS;
    for (const [from, to] of [[a, b], [b, a]]) {
      from.socket.once("close", () => {
        to.socket.end();
        closed();
      });
      from.socket.setTimeout(idleMs, () => {
        a.socket.destroy();
        b.socket.destroy();
      });
      if (from.early.length > 0) to.socket.write(from.early);
      from.socket.on(
        "data",
        (data: Buffer) => this.#pass(data, { from: from.socket, to: to.socket, peers }),
      );
      from.socket.resume();
    }
  }

  /** Passes `data` on, pausing its stream while the budget is in debt or the other side full. */
  #pass(data: Buffer, link: { from: net.Socket; to: net.Socket; peers: string[] }): void {
    const wait = this.#budget.pass(link.peers, data.length, Date.now());
    const flushed = link.to.write(data);
    if (wait === 0 && flushed) return;
    link.from.pause();
    let waiting = (wait > 0 ? 1 : 0) + (flushed ? 0 : 1);
    const resume = () => {
      if (--waiting === 0 && !link.from.destroyed) link.from.resume();
    };
    if (wait > 0) setTimeout(resume, wait);
    if (!flushed) link.to.once("drain", resume);
  }
}

/** A fresh one-time relay token: {@linkcode RELAY_TOKEN_BYTES} random bytes, as hex. */
export function relayToken(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(RELAY_TOKEN_BYTES)),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
}
