/**
 * A framed, handshaken connection with request/response matching. Requests
 * carry an `id`; answers carry `re`. A data frame answers a request with
 * chunk bytes, read straight into a buffer the requester provides.
 *
 * @module
 */

import { FRAME_WATCH_INTERVAL_MS } from "./constants.ts";
import { type ByteChannel, formatAddr } from "./channel.ts";
import { type FrameReader, frameTooSlow, type FrameWriter, ProtocolError } from "./frame.ts";
import type { ErrorMessage, Hello } from "./messages.ts";

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
  onFilled?: (filled: number) => void;
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
  /** What this side said in its hello (its nonce binds proofs made on this connection). */
  readonly localHello: Hello | undefined;
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
    options: {
      reader: FrameReader;
      writer: FrameWriter;
      remoteHello: Hello;
      localHello?: Hello;
      remoteId: string;
    },
  ) {
    this.channel = channel;
    this.#reader = options.reader;
    this.#writer = options.writer;
    this.remoteHello = options.remoteHello;
    this.localHello = options.localHello;
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

  /**
   * Sets the largest control frame read from now on: a connection that came
   * with a transfer code keeps the handshake's small limit until its code is
   * proven, then gets the usual one.
   */
  limitControl(bytes: number): void {
    this.#reader.limitControl(bytes);
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
    return this.#request(message) as Promise<Record<string, unknown>>;
  }

  /**
   * Sends a request answered by a data frame; `allocate` is given the payload
   * length and returns the buffer to read it into (throwing refuses the
   * payload). Resolves to that buffer. `onId` learns the request ID, so that
   * the caller can {@linkcode cancel} it; `onFilled` learns how many bytes of
   * the buffer are in after every read.
   */
  requestData(
    message: Record<string, unknown>,
    allocate: (length: number) => Uint8Array,
    options: { onId?: (id: number) => void; onFilled?: (filled: number) => void } = {},
  ): Promise<Uint8Array> {
    return this.#request(message, { allocate, ...options }) as Promise<Uint8Array>;
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
        const arrival = this.#reader.arrival();
        if (arrival) await arrival;
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
    if (this.#pending.size === 0) return;
    const error = new ConnectionClosedError(this.remote, reason);
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #request(
    message: Record<string, unknown>,
    data?: Pick<Pending, "allocate" | "onFilled"> & { onId?: (id: number) => void },
  ): Promise<Record<string, unknown> | Uint8Array> {
    if (this.#closed) {
      return Promise.reject(new ConnectionClosedError(this.remote, this.#closeReason));
    }
    const id = this.#nextId++;
    data?.onId?.(id);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, {
        resolve,
        reject,
        allocate: data?.allocate,
        onFilled: data?.onFilled,
      });
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
      await this.#reader.readPayload(target, pending.onFilled);
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
