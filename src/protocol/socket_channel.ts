/**
 * A {@linkcode ByteChannel} over a `node:net` or `node:tls` socket. Node
 * sockets push data as events; the framing layer pulls it into buffers of its
 * choosing. This adapter queues what arrives (pausing the socket past a
 * high-water mark, so a fast sender cannot fill memory) and copies it into
 * the reader's buffer on `read`.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { ByteChannel } from "./channel.ts";
import { background } from "./paced_queue.ts";

/** Where a socket's shared handlers find its channel. */
const CHANNEL = Symbol("socket channel");
type ChannelSocket = Socket & { [CHANNEL]?: SocketChannel };

/** Longest wait for a goodbye to go out before a closed socket is let go. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Bytes queued before the socket is paused, by default: enough to keep a
 * 4 MiB chunk streaming (a reversed download receives chunks this way).
 */
export const DEFAULT_READ_AHEAD_BYTES = 8 * 1024 * 1024;

/** A byte channel over a connected node socket. */
export class SocketChannel implements ByteChannel {
  readonly remoteAddr: Deno.NetAddr;
  readonly localAddr: Deno.NetAddr;
  #socket: Socket;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  /** The other side has finished sending (or the socket is gone): no goodbye round is owed. */
  #remoteDone = false;
  #error: Error | undefined;
  #waiter: (() => void) | undefined;
  #readAhead: number;

  /**
   * Takes over `socket`'s reading; `remote`/`local` default to the socket's
   * own addresses. At most `readAheadBytes` (default
   * {@linkcode DEFAULT_READ_AHEAD_BYTES}) are queued unread before the
   * socket is paused and the sender waits.
   */
  constructor(
    socket: Socket,
    options: { remote?: Deno.NetAddr; local?: Deno.NetAddr; readAheadBytes?: number } = {},
  ) {
    this.#socket = socket;
    this.#readAhead = options.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES;
    this.remoteAddr = options.remote ?? netAddr(socket.remoteAddress, socket.remotePort);
    this.localAddr = options.local ?? netAddr(socket.localAddress, socket.localPort);
    // One set of handlers for every channel (a server holds thousands),
    // each finding its channel on the socket, rather than closures each.
    (socket as ChannelSocket)[CHANNEL] = this;
    // The other side's end is not answered at once with our own (a TLS
    // close_notify written for every socket of a burst in one tick): the
    // socket is let go in `close`, paced, and destroyed then.
    socket.allowHalfOpen = true;
    socket.on("data", SocketChannel.#onData);
    socket.on("end", SocketChannel.#onDone);
    socket.on("close", SocketChannel.#onDone);
    socket.on("error", SocketChannel.#onError);
    socket.resume();
  }

  /** Copies queued bytes into `buffer`, waiting for some when none are queued. */
  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#queue.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#waiter = resolve);
    }
    let copied = 0;
    while (copied < buffer.length && this.#queue.length > 0) {
      const head = this.#queue[0];
      const take = Math.min(head.length, buffer.length - copied);
      buffer.set(take === head.length ? head : head.subarray(0, take), copied);
      copied += take;
      if (take === head.length) this.#queue.shift();
      else this.#queue[0] = head.subarray(take);
    }
    this.#queued -= copied;
    if (this.#queued < this.#readAhead && this.#socket.isPaused()) this.#socket.resume();
    return copied;
  }

  /** Resolves once a `read` would not wait: bytes queued, the end or an error. */
  whenReadable(): Promise<void> {
    if (this.#queue.length > 0 || this.#ended || this.#error) return Promise.resolve();
    return new Promise((resolve) => this.#waiter = resolve);
  }

  /** Writes all of `buffer`; resolves once the socket has taken it, so the caller may reuse it. */
  write(buffer: Uint8Array): Promise<number> {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#socket.write(buffer, (error?: Error | null) => {
        if (error) reject(error);
        else resolve(buffer.length);
      });
    });
  }

  /**
   * Closes both directions: says goodbye (a TLS socket sends its
   * close_notify), then lets go of the socket once that is out. When the
   * other side has already ended, no goodbye is owed: the socket is destroyed.
   */
  close(): void {
    this.#ended = true;
    this.#wake();
    // Sockets are let go in slices: a burst of closes (every peer of a
    // server leaving at once) would otherwise hold the event loop for all.
    background.push(() => this.#release());
  }

  #release(): void {
    if (this.#remoteDone || !this.#socket.writable) {
      this.#socket.destroy();
      return;
    }
    this.#socket.end(() => this.#socket.destroy());
    const timer = setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS);
    Deno.unrefTimer(timer);
    this.#socket.once("close", () => clearTimeout(timer));
  }

  static #onData = function (this: ChannelSocket, data: Uint8Array): void {
    const channel = this[CHANNEL]!;
    channel.#queue.push(data);
    channel.#queued += data.length;
    if (channel.#queued >= channel.#readAhead) this.pause();
    channel.#wake();
  };

  static #onDone = function (this: ChannelSocket): void {
    const channel = this[CHANNEL]!;
    if (channel.#remoteDone) return;
    channel.#ended = true;
    channel.#remoteDone = true;
    // The reader learns of the end in a background slice, not in the turn
    // the end came in: thousands of ends come in 1,024 a turn when every
    // peer leaves at once, and what each sets off (the connection closing,
    // its peer's departure queued) would lengthen that turn, and each after
    // it, that an answer to a peer that stays waits behind.
    background.push(() => channel.#wake());
  };

  static #onError = function (this: ChannelSocket, error: Error): void {
    const channel = this[CHANNEL]!;
    channel.#error ??= error;
    channel.#wake();
  };

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}

/** Both ends of a plain node socket, for a channel over a socket layered on it. */
export function addressesOf(socket: Socket): { remote: Deno.NetAddr; local: Deno.NetAddr } {
  return {
    remote: netAddr(socket.remoteAddress, socket.remotePort),
    local: netAddr(socket.localAddress, socket.localPort),
  };
}

/** A `Deno.NetAddr` from a node socket's address fields. */
function netAddr(host: string | undefined, port: number | undefined): Deno.NetAddr {
  return { transport: "tcp", hostname: plainHost(host ?? "0.0.0.0"), port: port ?? 0 };
}

/** `host` as a node socket reports it, an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) unwrapped. */
export function plainHost(host: string): string {
  return host.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
}
