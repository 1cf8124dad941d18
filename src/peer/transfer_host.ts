/**
 * The sending side of `p2pft send`: a chunk server of its own, with a fresh
 * identity and a fresh random transfer key, that serves only the items sent.
 * Dialers that come with a transfer code are let in through a
 * {@linkcode GuestDesk}: a CPace exchange with the code's words, key
 * confirmation bound to both proven IDs, then the grant (the items and the
 * transfer key). A proven receiver then keeps that connection as its link to
 * the sender, which keeps a small index of who holds which chunks, so that
 * receivers (which serve each other with the transfer key) swarm. A
 * {@linkcode CodeGate} decides when the code stops letting people in.
 *
 * @module
 */

import { MAX_CONTROL_FRAME_BYTES } from "../constants.ts";
import { CODE_EXCHANGE_TIMEOUT_MS } from "./constants.ts";
import { errorMessage, type Logger, silentLogger } from "../log.ts";
import { formatHostPort } from "../protocol/channel.ts";
import type { Connection } from "../protocol/connection.ts";
import { ProtocolError } from "../protocol/frame.ts";
import { parseMessage } from "../protocol/messages.ts";
import { plainHost } from "../protocol/socket_channel.ts";
import {
  codeRequestSchema,
  type Grant,
  type SwarmRequest,
  swarmRequestSchema,
} from "../protocol/transfer_messages.ts";
import { createIdentity, type Identity } from "../security/identity.ts";
import { NETWORK_KEY_BYTES } from "../security/network_key.ts";
import {
  checkConfirmation,
  confirmationTag,
  CpaceError,
  cpaceKey,
  cpaceShare,
} from "../security/pake.ts";
import { decodeBase64, encodeBase64 } from "../storage/base64.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { FileIndex } from "../storage/file_index.ts";
import type { HashProgress } from "../storage/hash_file.ts";
import { ChunkServer, type GuestDesk } from "./chunk_server.ts";
import {
  CodeGate,
  type CodeGateLimits,
  gateRefusal,
  type GateState,
  shutForGood,
} from "./code_gate.ts";
import { connectionContext } from "./code_exchange.ts";
import { Library } from "./library.ts";
import { type Registered, Shares } from "./shares.ts";

/** What happened to the send, for its user. */
export type HostEvent =
  | { kind: "joined"; receiver: string }
  | { kind: "finished"; receiver: string }
  | { kind: "left"; receiver: string }
  | { kind: "refused"; receiver: string; failuresLeft: number }
  | { kind: "shut"; state: GateState };

/** Options of {@linkcode TransferHost.start}. */
export interface TransferHostOptions {
  /** Interface to listen on. */
  hostname: string;
  /** Port, 0 for any free one. */
  port: number;
  /** The code's words, as the PAKE password. */
  password: Uint8Array;
  /** When the code stops letting people in (its expiry is set by {@linkcode TransferHost.expireIn}). */
  limits: Omit<CodeGateLimits, "expiresAt">;
  /** Told of joins, ends, refusals and the gate shutting. */
  onEvent?: (event: HostEvent) => void;
  log?: Logger;
}

/** Where a guest connection stands. */
interface Guest {
  phase: "exchanging" | "proven" | "ended";
  /** Its address, for messages. */
  receiver: string;
  /** The ISK and the guest's CPace message, while exchanging. */
  key?: Uint8Array;
  theirs?: Uint8Array;
  timer?: ReturnType<typeof setTimeout>;
  /** The address it serves chunks on, once joined. */
  address?: string;
  finished: boolean;
}

/** A running send. */
export class TransferHost implements GuestDesk {
  /** The ID receivers must find at this address: that of {@linkcode identity}. */
  readonly peerId: string;
  /** The fresh identity it proves; a sender claims its nameplate under it too. */
  readonly identity: Identity;
  #options: TransferHostOptions;
  #log: Logger;
  #transferKey: Uint8Array;
  #library = new Library();
  #shares: Shares;
  #items: Registered[] = [];
  #gate: CodeGate;
  #index = new FileIndex();
  #guests = new Map<Connection, Guest>();
  #byPeer = new Map<string, Connection>();
  #chunkServer!: ChunkServer;
  #settled: () => void = () => {};
  #expiry: ReturnType<typeof setTimeout> | undefined;
  #shutAnnounced = false;
  /** Resolves once the code lets no one in any more and no receiver is left at it. */
  readonly settled: Promise<void>;

  private constructor(identity: Identity, options: TransferHostOptions) {
    this.identity = identity;
    this.peerId = identity.id;
    this.#options = options;
    this.#log = options.log ?? silentLogger();
    this.#transferKey = crypto.getRandomValues(new Uint8Array(NETWORK_KEY_BYTES));
    this.#shares = new Shares(this.#library, { log: this.#log });
    this.#gate = new CodeGate(options.limits);
    this.settled = new Promise((resolve) => this.#settled = resolve);
  }

  /** Listens on `hostname:port` with a fresh identity and transfer key; shares nothing yet. */
  static async start(options: TransferHostOptions): Promise<TransferHost> {
    const identity = await createIdentity();
    const host = new TransferHost(identity, options);
    host.#chunkServer = await ChunkServer.start({
      hostname: options.hostname,
      port: options.port,
      library: host.#library,
      credentials: { identity, networkKey: host.#transferKey },
      desk: host,
      log: host.#log.child("serve"),
    });
    return host;
  }

  /** The port it listens on. */
  get port(): number {
    return this.#chunkServer.port;
  }

  /** `host:port` it listens on. */
  get address(): string {
    return this.#chunkServer.address;
  }

  /** Chunk bytes sent so far. */
  get uploadedBytes(): number {
    return this.#chunkServer.uploadedBytes;
  }

  /** Receivers that finished, are still at it, and wrong codes so far. */
  get counts() {
    return this.#gate.counts;
  }

  /** The items shared so far. */
  get items(): Registered[] {
    return [...this.#items];
  }

  /** Hashes and adds the file or folder at `path` to what the code grants. */
  async add(
    path: string,
    options: { onProgress?: (progress: HashProgress) => void; signal?: AbortSignal } = {},
  ): Promise<Registered> {
    const registered = await this.#shares.register(path, options);
    if (!this.#items.some((item) => item.fileId === registered.fileId)) {
      this.#items.push(registered);
    }
    return registered;
  }

  /** Makes the code stop letting people in `ms` from now (those under way may finish). */
  expireIn(ms: number): void {
    clearTimeout(this.#expiry);
    this.#gate.expireAt(Date.now() + ms);
    this.#expiry = setTimeout(() => this.#check(), ms);
  }

  /** Lets no one else in; resolves once the receivers under way are done or gone. */
  async stop(): Promise<void> {
    this.#gate.stop();
    this.#check();
    await this.settled;
  }

  /** Stops serving at once, closing every connection. */
  async close(): Promise<void> {
    clearTimeout(this.#expiry);
    this.#gate.stop();
    for (const guest of this.#guests.values()) clearTimeout(guest.timer);
    await this.#chunkServer.close();
    this.#shares.close();
    this.#settled();
  }

  /** {@inheritDoc GuestDesk.admitted} */
  admitted(connection: Connection): boolean {
    if (connection.remoteHello.network !== "code") return true;
    return this.#guests.get(connection)?.phase === "proven";
  }

  /** {@inheritDoc GuestDesk.handle} */
  async handle(connection: Connection, raw: Record<string, unknown>): Promise<boolean> {
    if (connection.remoteHello.network !== "code") return false;
    const guest = this.#guests.get(connection);
    if (guest?.phase === "proven") {
      if (!isSwarmRequest(raw)) return false;
      await this.#swarm(connection, guest, parseMessage(swarmRequestSchema, raw));
      return true;
    }
    const message = parseMessage(codeRequestSchema, raw);
    if (message.t === "pake") await this.#exchange(connection, message);
    else await this.#confirm(connection, guest, message);
    return true;
  }

  /** {@inheritDoc GuestDesk.ended} */
  ended(connection: Connection): void {
    const guest = this.#guests.get(connection);
    if (!guest) return;
    this.#guests.delete(connection);
    clearTimeout(guest.timer);
    if (guest.phase === "exchanging") {
      this.#gate.end(false);
      this.#emit({
        kind: "refused",
        receiver: guest.receiver,
        failuresLeft: this.#gate.failuresLeft,
      });
    } else if (guest.phase === "proven") {
      this.#index.removePeer(connection.remoteId);
      this.#byPeer.delete(connection.remoteId);
      if (!guest.finished) {
        this.#gate.leave(false);
        this.#emit({ kind: "left", receiver: guest.receiver });
      }
    }
    guest.phase = "ended";
    this.#check();
  }

  async #exchange(connection: Connection, message: { id: number; message: string }) {
    if (this.#guests.has(connection)) throw new ProtocolError("one code exchange per connection");
    const receiver = plainHost((connection.channel.remoteAddr as Deno.NetAddr).hostname);
    const state = this.#gate.begin(Date.now());
    if (state !== "open") {
      await connection.replyError(message.id, { code: state, message: gateRefusal(state) });
      connection.close(`code ${state}`);
      return;
    }
    const guest: Guest = { phase: "exchanging", receiver, finished: false };
    this.#guests.set(connection, guest);
    guest.timer = setTimeout(() => connection.close("no code in time"), CODE_EXCHANGE_TIMEOUT_MS);
    const context = connectionContext(connection, { selfId: this.peerId, dialer: false });
    const share = cpaceShare(this.#options.password, context);
    guest.theirs = decodeBase64(message.message);
    try {
      guest.key = cpaceKey(share, guest.theirs, { context, initiator: false });
    } catch (error) {
      if (!(error instanceof CpaceError)) throw error;
      throw new ProtocolError(`code exchange: ${error.message}`);
    }
    await connection.reply(message.id, {
      message: encodeBase64(share.message),
      tag: encodeBase64(confirmationTag(guest.key, share.message)),
    });
  }

  async #confirm(
    connection: Connection,
    guest: Guest | undefined,
    message: { id: number; tag: string },
  ) {
    if (guest?.phase !== "exchanging" || !guest.key || !guest.theirs) {
      throw new ProtocolError("confirm before pake");
    }
    clearTimeout(guest.timer);
    if (!checkConfirmation(guest.key, { message: guest.theirs, tag: decodeBase64(message.tag) })) {
      guest.phase = "ended";
      this.#gate.end(false);
      const failuresLeft = this.#gate.failuresLeft;
      this.#emit({ kind: "refused", receiver: guest.receiver, failuresLeft });
      await connection.replyError(message.id, { code: "wrong-code", message: "wrong code" });
      connection.close("wrong code");
      this.#check();
      return;
    }
    guest.phase = "proven";
    guest.key = undefined;
    this.#gate.end(true);
    connection.limitControl(MAX_CONTROL_FRAME_BYTES);
    this.#emit({ kind: "joined", receiver: guest.receiver });
    const grant: Grant = {
      items: this.#items.map(({ fileId, manifest }) => ({ fileId, manifest })),
      key: encodeBase64(this.#transferKey),
    };
    await connection.reply(message.id, grant);
    this.#check();
  }

  async #swarm(connection: Connection, guest: Guest, message: SwarmRequest): Promise<void> {
    const peerId = connection.remoteId;
    switch (message.t) {
      case "join": {
        guest.address = formatHostPort(guest.receiver, message.listenPort);
        this.#index.addPeer(peerId, { address: guest.address, now: Date.now() });
        this.#byPeer.set(peerId, connection);
        await connection.reply(message.id);
        return;
      }
      case "share":
        for (const file of message.files) {
          const manifest = this.#granted(file.fileId).manifest;
          const count = manifest.chunkHashes.length;
          const chunks = file.chunks === undefined
            ? undefined
            : Bitfield.fromBase64(file.chunks, count);
          this.#index.share(peerId, { fileId: file.fileId, manifest, chunks });
        }
        await connection.reply(message.id);
        return;
      case "unshare":
        this.#index.unshare(peerId, message.fileId);
        await connection.reply(message.id);
        return;
      case "have":
        this.#index.have(peerId, message);
        this.#forwardHave(peerId, message);
        return;
      case "sources":
        this.#granted(message.fileId);
        await connection.reply(message.id, { ...this.#sources(message.fileId) });
        return;
      case "done":
        if (guest.finished) return;
        guest.finished = true;
        this.#gate.leave(true);
        this.#emit({ kind: "finished", receiver: guest.receiver });
        this.#check();
        return;
    }
  }

  #granted(fileId: string): Registered {
    const item = this.#items.find((item) => item.fileId === fileId);
    if (!item) throw new ProtocolError(`${fileId} is not part of this transfer`);
    return item;
  }

  #sources(fileId: string) {
    try {
      return this.#index.sources(fileId);
    } catch {
      return { sources: [], total: 0 };
    }
  }

  /** Tells the other receivers still downloading `fileId` at once, as the server does. */
  #forwardHave(peerId: string, message: { fileId: string; chunks: number[] }): void {
    const address = this.#index.addressOf(peerId);
    if (!address) return;
    const notice = { t: "have", fileId: message.fileId, peerId, address, chunks: message.chunks };
    for (const other of this.#index.downloaders(message.fileId, peerId)) {
      this.#byPeer.get(other)?.send(notice).catch(() => {});
    }
  }

  #emit(event: HostEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch (error) {
      this.#log.warn(`event handler: ${errorMessage(error)}`);
    }
  }

  /** Announces the gate shutting (once) and settles when nothing is left to do. */
  #check(): void {
    const now = Date.now();
    const state = this.#gate.state(now);
    if (!this.#shutAnnounced && shutForGood(state)) {
      this.#shutAnnounced = true;
      clearTimeout(this.#expiry);
      this.#emit({ kind: "shut", state });
    }
    if (this.#gate.settled(now)) this.#settled();
  }
}

const SWARM_TYPES = new Set(["join", "share", "unshare", "have", "sources", "done"]);

function isSwarmRequest(raw: Record<string, unknown>): boolean {
  return SWARM_TYPES.has(String(raw.t));
}
