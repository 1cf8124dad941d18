/**
 * A framed, handshaken connection with request/response matching. Requests
 * carry an `id`; answers carry `re`. A data frame answers a request with
 * chunk bytes, read straight into a buffer the requester provides.
 *
 * @module
 */

import {
  FRAME_WATCH_INTERVAL_MS,
  HANDSHAKE_TIMEOUT_MS,
  MAX_CONTROL_FRAME_BYTES,
  MAX_HANDSHAKE_FRAME_BYTES,
  PROGRAM_VERSION,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
} from "../constants.ts";
import { X509Certificate } from "node:crypto";
import type { Identity } from "../security/identity.ts";
import { signIdentity, verifyIdentity } from "../security/identity_proof.ts";
import {
  keyFingerprint,
  memberProof,
  type ProofRole,
  verifyMemberProof,
} from "../security/network_key.ts";
import { decodeBase64, encodeBase64 } from "../storage/base64.ts";
import { type ByteChannel, formatAddr } from "./channel.ts";
import { FrameReader, frameTooSlow, FrameWriter, ProtocolError } from "./frame.ts";
import {
  authSchema,
  type ErrorMessage,
  type Hello,
  helloSchema,
  parseMessage,
} from "./messages.ts";
import type { SecureLink } from "./secure_channel.ts";

/** Random bytes each side puts in its hello, so that proofs differ on every connection. */
const NONCE_BYTES = 16;

/** Errors that only mean the connection is over. */
const ENDINGS = [Deno.errors.BadResource, Deno.errors.Interrupted, Deno.errors.UnexpectedEof];

/** The failure a request rejects with when the other side answers with an error. */
export class RemoteError extends Error {
  /** Machine-readable reason, e.g. `not-found`. */
  readonly code: string;
  /** Wraps an error message received from the other side. */
  constructor(message: ErrorMessage) {
    super(message.message);
    this.name = "RemoteError";
    this.code = message.code;
  }
}

/** The failure pending requests reject with when the connection closes. */
export class ConnectionClosedError extends Error {
  /** Creates the error, naming the other side. */
  constructor(remote: string, reason?: string) {
    super(`connection to ${remote} closed${reason ? `: ${reason}` : ""}`);
    this.name = "ConnectionClosedError";
  }
}

interface Pending {
  resolve(value: Record<string, unknown> | Uint8Array): void;
  reject(error: Error): void;
  allocate?: (length: number) => Uint8Array;
}

/** Handlers for what arrives on a connection besides answers to our own requests. */
export interface MessageHandler {
  /** Called for each control message that is not an answer; parse it with a schema. */
  (message: Record<string, unknown>): void | Promise<void>;
}

/** A connection after a successful handshake. */
export class Connection {
  /** What the other side said in its hello. */
  readonly remoteHello: Hello;
  /** The other side's ID, proven by TLS: the hash of its public key. */
  readonly remoteId: string;
  /** `host:port` of the other side. */
  readonly remote: string;
  /** The channel under this connection. */
  readonly channel: ByteChannel;
  #reader: FrameReader;
  #writer: FrameWriter;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;
  #closeReason: string | undefined;

  /** Use {@linkcode handshake} to make one. */
  constructor(
    channel: ByteChannel,
    options: { reader: FrameReader; writer: FrameWriter; remoteHello: Hello; remoteId: string },
  ) {
    this.channel = channel;
    this.#reader = options.reader;
    this.#writer = options.writer;
    this.remoteHello = options.remoteHello;
    this.remoteId = options.remoteId;
    this.remote = formatAddr(channel.remoteAddr);
  }

  /** True once the connection is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of requests awaiting an answer. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Sends a message that expects no answer. */
  async send(message: Record<string, unknown>): Promise<void> {
    if (this.#closed) throw new ConnectionClosedError(this.remote, this.#closeReason);
    await this.#writer.sendControl(message);
  }

  /** Sends bytes that already form whole frames. */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new ConnectionClosedError(this.remote, this.#closeReason);
    await this.#writer.sendRaw(bytes);
  }

  /** Sends a request (an `id` is added) and resolves to the reply's fields. */
  request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.#request(message, undefined) as Promise<Record<string, unknown>>;
  }

  /**
   * Sends a request answered by a data frame; `allocate` is given the payload
   * length and returns the buffer to read it into (throwing refuses the
   * payload). Resolves to that buffer. `onId` learns the request ID, so that
   * the caller can {@linkcode cancel} it.
   */
  requestData(
    message: Record<string, unknown>,
    allocate: (length: number) => Uint8Array,
    options: { onId?: (id: number) => void } = {},
  ): Promise<Uint8Array> {
    return this.#request(message, allocate, options.onId) as Promise<Uint8Array>;
  }

  /** Gives up on request `id`: its promise rejects and the other side is told. */
  cancel(id: number, reason = "cancelled"): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    pending.reject(new Error(reason));
    if (!this.#closed) this.send({ t: "cancel", re: id }).catch(() => {});
  }

  /** Answers request `re` with a reply carrying `fields`. */
  reply(re: number, fields: Record<string, unknown> = {}): Promise<void> {
    return this.send({ ...fields, t: "reply", re });
  }

  /** Answers request `re` (or the connection, without `re`) with an error. */
  replyError(re: number | undefined, options: { code: string; message: string }): Promise<void> {
    return this.send({ t: "error", ...(re === undefined ? {} : { re }), ...options });
  }

  /**
   * Reads until the connection ends, routing answers to their requests and
   * everything else to `onMessage`. Resolves on a clean end; rejects with the
   * reason otherwise. The connection is closed either way.
   */
  async run(onMessage: MessageHandler): Promise<void> {
    watchFrames(this, this.#reader);
    try {
      while (!this.#closed) {
        const frame = await this.#reader.next();
        if (frame === null) break;
        if (frame.kind === "data") {
          await this.#takeData(frame.requestId, frame.length);
          continue;
        }
        const message = frame.message;
        if (typeof message !== "object" || message === null || Array.isArray(message)) {
          throw new ProtocolError("control message is not a JSON object");
        }
        const record = message as Record<string, unknown>;
        if ((record.t === "reply" || record.t === "error") && typeof record.re === "number") {
          this.#answer(record);
          continue;
        }
        await onMessage(record);
      }
      this.close();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.close(reason);
      // Our own close, or the other side gone without a TLS goodbye (killed,
      // say): the connection ended, nothing more went wrong.
      if (!ENDINGS.some((type) => error instanceof type)) throw error;
    } finally {
      unwatchFrames(this);
    }
  }

  /** Closes the connection; pending requests reject with `reason`. */
  close(reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason;
    try {
      this.channel.close();
    } catch {
      // Already closed by the other side: nothing left to release.
    }
    const error = new ConnectionClosedError(this.remote, reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #request(
    message: Record<string, unknown>,
    allocate: ((length: number) => Uint8Array) | undefined,
    onId?: (id: number) => void,
  ): Promise<Record<string, unknown> | Uint8Array> {
    if (this.#closed) {
      return Promise.reject(new ConnectionClosedError(this.remote, this.#closeReason));
    }
    const id = this.#nextId++;
    onId?.(id);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, allocate });
      this.#writer.sendControl({ ...message, id }).catch((error) => {
        this.#pending.delete(id);
        reject(error);
      });
    });
  }

  #answer(message: Record<string, unknown>): void {
    const re = message.re as number;
    const pending = this.#pending.get(re);
    if (!pending) return;
    this.#pending.delete(re);
    if (message.t === "error") {
      pending.reject(
        new RemoteError({
          t: "error",
          code: String(message.code ?? "error"),
          message: String(message.message ?? "unknown error"),
        }),
      );
    } else if (pending.allocate) {
      pending.reject(new ProtocolError(`request ${re} expected data, got a reply`));
    } else {
      pending.resolve(message);
    }
  }

  async #takeData(requestId: number, length: number): Promise<void> {
    const pending = this.#pending.get(requestId);
    if (!pending?.allocate) {
      await this.#reader.skipPayload();
      return;
    }
    this.#pending.delete(requestId);
    let target: Uint8Array;
    try {
      target = pending.allocate(length);
    } catch (error) {
      await this.#reader.skipPayload();
      pending.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    try {
      await this.#reader.readPayload(target);
    } catch (error) {
      pending.reject(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    pending.resolve(target);
  }
}

/**
 * Running connections whose frames are watched, all by one timer (not one
 * per connection): one that receives a frame too slowly is closed, which
 * frees the buffer the frame was being read into.
 */
const watched = new Map<Connection, FrameReader>();
let watchTimer: ReturnType<typeof setInterval> | undefined;

function watchFrames(connection: Connection, reader: FrameReader): void {
  watched.set(connection, reader);
  if (watchTimer !== undefined) return;
  watchTimer = setInterval(() => {
    const now = Date.now();
    for (const [watchedConnection, watchedReader] of watched) {
      if (frameTooSlow(watchedReader.progress, now)) {
        watchedConnection.close("the other side sends a frame too slowly");
      }
    }
  }, FRAME_WATCH_INTERVAL_MS);
  Deno.unrefTimer(watchTimer);
}

function unwatchFrames(connection: Connection): void {
  watched.delete(connection);
  if (watched.size > 0 || watchTimer === undefined) return;
  clearInterval(watchTimer);
  watchTimer = undefined;
}

/** Options of {@linkcode handshake}. */
export interface HandshakeOptions {
  /** Our role. */
  role: Hello["role"];
  /** Roles we accept on the other side. */
  accept: Hello["role"][];
  /** Whether we dialed (the dialer proves its identity here; the listener did in TLS). */
  dialer: boolean;
  /** Our identity. */
  identity: Identity;
  /** The network key; `undefined` runs an open network. */
  networkKey: Uint8Array | undefined;
  /** Time allowed for the other side's hello and proof. */
  timeoutMs?: number;
}

/** The other side is not a member of our network, or its network setting differs. */
export class MembershipError extends ProtocolError {
  /** Creates the error with a message that says what to do. */
  constructor(message: string) {
    super(message);
    this.name = "MembershipError";
  }
}

/**
 * Exchanges hellos over a secure link and checks the other side speaks our
 * protocol version; then the dialer proves its identity (its certificate and
 * a signature over the listener's ID and both nonces) and, on a members-only
 * network, each side proves it knows the network key (bound to both IDs and
 * both nonces, so a proof can be neither learnt from nor replayed to anyone
 * else). On any problem it tells the other side why, closes the channel and
 * throws.
 */
export async function handshake(link: SecureLink, options: HandshakeOptions): Promise<Connection> {
  const { channel } = link;
  const reader = new FrameReader(channel, { maxControlBytes: MAX_HANDSHAKE_FRAME_BYTES });
  const writer = new FrameWriter(channel);
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const hello: Hello = {
    t: "hello",
    protocol: PROTOCOL_NAME,
    version: PROTOCOL_VERSION,
    role: options.role,
    program: `p2pft ${PROGRAM_VERSION}`,
    nonce: encodeBase64(nonce),
    network: options.networkKey ? "members" : "open",
  };
  const remote = formatAddr(channel.remoteAddr);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProtocolError("no handshake within the time allowed")),
      options.timeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    );
  });
  const refuse = async (error: ProtocolError): Promise<never> => {
    const code = error instanceof MembershipError ? "membership" : "handshake";
    await writer.sendControl({ t: "error", code, message: error.message })
      .catch(() => {});
    throw error;
  };
  const next = () => nextControl(reader, { timeout, remote });
  try {
    const sent = writer.sendControl(hello);
    const remoteHello = parseMessage(helloSchema, await next());
    await sent;
    const problem = helloProblem(remoteHello, options.accept);
    if (problem) await refuse(new ProtocolError(problem));
    const mismatch = networkProblem(options.networkKey !== undefined, {
      theirs: remoteHello.network,
      remote,
    });
    if (mismatch) await refuse(new MembershipError(mismatch));
    const theirNonce = decodeBase64(remoteHello.nonce);
    const key = options.networkKey;
    const proofOf = (role: ProofRole, ids: { dialerId: string; listenerId: string }) =>
      memberProof(key!, {
        role,
        ...ids,
        dialerNonce: options.dialer ? nonce : theirNonce,
        listenerNonce: options.dialer ? theirNonce : nonce,
      });
    const checkProof = async (
      proof: string | undefined,
      ids: { dialerId: string; listenerId: string },
    ) => {
      const context = {
        role: options.dialer ? "listener" as const : "dialer" as const,
        ...ids,
        dialerNonce: options.dialer ? nonce : theirNonce,
        listenerNonce: options.dialer ? theirNonce : nonce,
      };
      if (proof === undefined || !await verifyMemberProof(key!, context, decodeBase64(proof))) {
        await refuse(
          new MembershipError(
            `${remote} does not hold this network's key: check the key on both sides ` +
              `(this side's key fingerprint is ${keyFingerprint(key!)})`,
          ),
        );
      }
    };
    let remoteId: string;
    if (options.dialer) {
      remoteId = link.remoteId!;
      const ids = { dialerId: options.identity.id, listenerId: remoteId };
      const signature = signIdentity(options.identity, {
        listenerId: remoteId,
        dialerNonce: nonce,
        listenerNonce: theirNonce,
      });
      await writer.sendControl({
        t: "auth",
        certificate: encodeBase64(certificateDer(options.identity)),
        signature: encodeBase64(signature),
        ...(key ? { proof: encodeBase64(await proofOf("dialer", ids)) } : {}),
      });
      const answer = parseMessage(authSchema, await next());
      if (key) await checkProof(answer.proof, ids);
    } else {
      const auth = parseMessage(authSchema, await next());
      if (auth.certificate === undefined || auth.signature === undefined) {
        await refuse(new ProtocolError("the dialer did not prove its identity"));
      }
      try {
        remoteId = verifyIdentity(decodeBase64(auth.certificate!), {
          context: {
            listenerId: options.identity.id,
            dialerNonce: theirNonce,
            listenerNonce: nonce,
          },
          signature: decodeBase64(auth.signature!),
        });
      } catch (error) {
        return await refuse(new ProtocolError(errorText(error)));
      }
      const ids = { dialerId: remoteId, listenerId: options.identity.id };
      if (key) await checkProof(auth.proof, ids);
      await writer.sendControl({
        t: "auth",
        ...(key ? { proof: encodeBase64(await proofOf("listener", ids)) } : {}),
      });
    }
    reader.limitControl(MAX_CONTROL_FRAME_BYTES);
    return new Connection(channel, { reader, writer, remoteHello, remoteId });
  } catch (error) {
    try {
      channel.close();
    } catch {
      // The channel may already be closed; the handshake error is what matters.
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The DER bytes of `identity`'s certificate. */
function certificateDer(identity: Identity): Uint8Array {
  return new Uint8Array(new X509Certificate(identity.certPem).raw);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads the next control message, turning an error from the other side into a thrown error. */
async function nextControl(
  reader: FrameReader,
  options: { timeout: Promise<never>; remote: string },
): Promise<unknown> {
  const { timeout, remote } = options;
  const frame = await Promise.race([reader.next(), timeout]);
  if (frame === null) throw new ConnectionClosedError(remote, "during the handshake");
  if (frame.kind !== "control") throw new ProtocolError("expected a handshake message, got data");
  const message = frame.message as Record<string, unknown> | null;
  if (message?.t === "error") {
    const refusal = `the other side refused: ${String(message.message ?? "no reason given")}`;
    throw message.code === "membership" ? new MembershipError(refusal) : new ProtocolError(refusal);
  }
  return frame.message;
}

/** Says what to do when one side requires the network key and the other does not. */
export function networkProblem(
  ours: boolean,
  options: { theirs: Hello["network"]; remote: string },
): string | undefined {
  const { theirs, remote } = options;
  if (ours && theirs === "open") {
    return `${remote} runs an open network while this side requires a network key: ` +
      "start both with the same key, or both without one";
  }
  if (!ours && theirs === "members") {
    return `${remote} requires a network key: pass it with --key, P2PFT_KEY or ` +
      "--key-file (the server prints it when it starts)";
  }
  return undefined;
}

/** Says what is wrong with a hello, or `undefined` when it is acceptable. */
export function helloProblem(hello: Hello, accept: Hello["role"][]): string | undefined {
  if (hello.protocol !== PROTOCOL_NAME) {
    return `other side speaks "${hello.protocol}", not ${PROTOCOL_NAME}`;
  }
  if (hello.version !== PROTOCOL_VERSION) {
    return `protocol version mismatch: other side speaks v${hello.version}, ` +
      `this program speaks v${PROTOCOL_VERSION}; run the same p2pft version on both`;
  }
  if (!accept.includes(hello.role)) {
    return `expected a ${accept.join(" or ")}, but the other side is a ${hello.role}`;
  }
  return undefined;
}
