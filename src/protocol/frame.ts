/**
 * Length-prefixed frames. Every frame is a 4-byte big-endian length (of what
 * follows), a 1-byte kind, then the body:
 *
 * - control: a UTF-8 JSON message;
 * - data: a 4-byte request ID, then raw chunk bytes.
 *
 * The reader hands data payloads straight into a caller's buffer, so chunk
 * bytes move in large reads with no per-byte work.
 *
 * @module
 */

import { MAX_CONTROL_FRAME_BYTES, MS_PER_SECOND } from "../constants.ts";
import { FRAME_GRACE_MS, FRAME_MIN_BYTES_PER_SECOND, MAX_DATA_FRAME_BYTES } from "./constants.ts";
import { type ByteChannel, writeAll } from "./channel.ts";

/** Kind byte of a JSON control frame. */
export const FRAME_CONTROL = 1;
/** Kind byte of a chunk data frame. */
export const FRAME_DATA = 2;

/** Bytes of the length prefix plus the kind byte. */
export const FRAME_HEADER_BYTES = 5;
/** Bytes of the request ID at the start of a data frame body. */
const REQUEST_ID_BYTES = 4;
/** Everything before the payload of a data frame. */
export const DATA_HEADER_BYTES = FRAME_HEADER_BYTES + REQUEST_ID_BYTES;

/**
 * Size of the reader's own buffer, which holds headers and small control
 * frames: it is all a connection keeps between frames, so it stays small (a
 * server holds one per peer). A larger frame is read into storage of its own
 * that grows with the bytes that arrive and is let go once the frame is read.
 */
export const READ_BUFFER_BYTES = 1024;

/** Thrown when the other side breaks the framing rules; the connection must close. */
export class ProtocolError extends Error {
  /** Creates an error that names the broken rule. */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** A frame as seen by a reader: a control message, or the header of a data payload. */
export type Frame =
  | { kind: "control"; message: unknown }
  | { kind: "data"; requestId: number; length: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

const HTTP_METHOD_PREFIXES = ["GET ", "POST", "HEAD", "PUT ", "DELE", "OPTI", "PATC", "CONN"];

/** True when `bytes` start like an HTTP request line. */
export function looksLikeHttp(bytes: Uint8Array): boolean {
  const head = String.fromCharCode(...bytes.subarray(0, 4));
  return HTTP_METHOD_PREFIXES.includes(head);
}

/** Encodes one control frame carrying `message` as JSON. */
export function encodeControlFrame(message: unknown): Uint8Array {
  const body = encoder.encode(JSON.stringify(message));
  if (body.length + 1 > MAX_CONTROL_FRAME_BYTES) {
    throw new ProtocolError(
      `control message of ${body.length} bytes exceeds the ${MAX_CONTROL_FRAME_BYTES}-byte limit`,
    );
  }
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, body.length + 1);
  view.setUint8(4, FRAME_CONTROL);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Writes the header of a data frame for a payload of `length` bytes into the
 * first {@linkcode DATA_HEADER_BYTES} of `target`.
 */
export function writeDataHeader(
  target: Uint8Array,
  requestId: number,
  options: { length: number },
): void {
  const view = new DataView(target.buffer, target.byteOffset, DATA_HEADER_BYTES);
  view.setUint32(0, 1 + REQUEST_ID_BYTES + options.length);
  view.setUint8(4, FRAME_DATA);
  view.setUint32(5, requestId);
}

/** How far a frame that has started has come, for {@linkcode frameTooSlow}. */
export interface FrameProgress {
  /** When its first byte was read, in milliseconds. */
  startedAt: number;
  /** Bytes of it read so far. */
  bytes: number;
  /** When its latest bytes arrived, in milliseconds (its start until then). */
  lastAt?: number;
}

/**
 * True when a frame in progress is too slow to be honest: past
 * {@linkcode FRAME_GRACE_MS} it has averaged under
 * {@linkcode FRAME_MIN_BYTES_PER_SECOND}, or nothing of it has arrived for
 * {@linkcode FRAME_GRACE_MS}. A sender trickling a frame (one byte a second
 * into a 4 MiB chunk buffer, say), or sending a burst and then stalling,
 * would otherwise hold the receiver's buffer for ever.
 */
export function frameTooSlow(progress: FrameProgress | undefined, now: number): boolean {
  if (!progress) return false;
  const elapsed = now - progress.startedAt;
  const silent = now - (progress.lastAt ?? progress.startedAt);
  return silent > FRAME_GRACE_MS ||
    (elapsed > FRAME_GRACE_MS &&
      progress.bytes < (elapsed / MS_PER_SECOND) * FRAME_MIN_BYTES_PER_SECOND);
}

/** Reads frames from a channel, enforcing the size limits of each kind. */
export class FrameReader {
  #channel: ByteChannel;
  #buffer = new Uint8Array(READ_BUFFER_BYTES);
  #start = 0;
  #end = 0;
  #pendingPayload = 0;
  #framesRead = 0;
  #maxControlBytes: number;
  #now: () => number;
  #progress: FrameProgress | undefined;

  /**
   * Wraps `channel`; the reader owns its read side from now on. Control
   * frames may be at most `maxControlBytes` long (see {@linkcode limitControl}).
   */
  constructor(
    channel: ByteChannel,
    options: { maxControlBytes?: number; now?: () => number } = {},
  ) {
    this.#channel = channel;
    this.#maxControlBytes = options.maxControlBytes ?? MAX_CONTROL_FRAME_BYTES;
    this.#now = options.now ?? Date.now;
  }

  /** Sets the largest control frame accepted from now on (small before authentication). */
  limitControl(bytes: number): void {
    this.#maxControlBytes = bytes;
  }

  /** The frame being read, if one has started and is not complete. */
  get progress(): FrameProgress | undefined {
    return this.#progress;
  }

  /**
   * A promise that resolves once the next frame has begun to arrive (or the
   * stream ended), or `undefined` when bytes are already buffered or the
   * channel cannot tell. An idle connection waits here on one promise, not
   * on a chain of pending reads.
   */
  arrival(): Promise<void> | undefined {
    if (this.#end > this.#start || this.#pendingPayload > 0) return undefined;
    return this.#channel.whenReadable?.();
  }

  /**
   * Reads the next frame, or `null` on a clean end of stream between frames.
   * After a data frame, call {@linkcode readPayload} or {@linkcode skipPayload}
   * before the next call.
   */
  async next(): Promise<Frame | null> {
    if (this.#pendingPayload > 0) {
      throw new Error("the payload of the previous data frame was not consumed");
    }
    if (!await this.#fill(FRAME_HEADER_BYTES, true)) return null;
    const view = new DataView(this.#buffer.buffer, this.#start);
    const length = view.getUint32(0);
    const kind = view.getUint8(4);
    if (this.#framesRead === 0 && looksLikeHttp(this.#buffer.subarray(this.#start))) {
      throw new ProtocolError("received a plain HTTP request; this port speaks the p2pft protocol");
    }
    this.#framesRead++;
    if (length < 1) throw new ProtocolError("frame with a zero length");
    if (kind === FRAME_CONTROL) {
      const bodyLength = length - 1;
      if (length > this.#maxControlBytes) {
        throw new ProtocolError(
          `control frame of ${length} bytes exceeds the ${this.#maxControlBytes}-byte limit`,
        );
      }
      this.#start += FRAME_HEADER_BYTES;
      const body = await this.#readBody(bodyLength);
      let message: unknown;
      try {
        message = JSON.parse(decoder.decode(body));
      } catch {
        throw new ProtocolError("control frame is not valid UTF-8 JSON");
      }
      return { kind: "control", message };
    }
    if (kind === FRAME_DATA) {
      if (length > MAX_DATA_FRAME_BYTES) {
        throw new ProtocolError(
          `data frame of ${length} bytes exceeds the ${MAX_DATA_FRAME_BYTES}-byte limit`,
        );
      }
      if (length < 1 + REQUEST_ID_BYTES) throw new ProtocolError("data frame too short");
      if (!await this.#fill(DATA_HEADER_BYTES, false)) {
        throw new ProtocolError("stream ended inside a data frame header");
      }
      const requestId = new DataView(this.#buffer.buffer, this.#start).getUint32(5);
      this.#start += DATA_HEADER_BYTES;
      this.#pendingPayload = length - 1 - REQUEST_ID_BYTES;
      return { kind: "data", requestId, length: this.#pendingPayload };
    }
    throw new ProtocolError(`unknown frame kind ${kind}`);
  }

  /**
   * Reads the whole pending data payload into `target`, which must be exactly
   * its size. `onFilled`, if given, learns how many bytes of `target` are in
   * after every read, while they are still in the CPU's cache.
   */
  async readPayload(target: Uint8Array, onFilled?: (filled: number) => void): Promise<void> {
    if (target.length !== this.#pendingPayload) {
      throw new Error(`payload is ${this.#pendingPayload} bytes, target is ${target.length}`);
    }
    const buffered = Math.min(this.#end - this.#start, target.length);
    target.set(this.#buffer.subarray(this.#start, this.#start + buffered));
    this.#start += buffered;
    let offset = buffered;
    const progress = this.#begin(offset);
    onFilled?.(offset);
    while (offset < target.length) {
      const count = await this.#channel.read(target.subarray(offset));
      if (count === null) throw new ProtocolError("stream ended inside a data payload");
      offset += count;
      progress.bytes = offset;
      progress.lastAt = this.#now();
      onFilled?.(offset);
    }
    this.#progress = undefined;
    this.#pendingPayload = 0;
  }

  /** Reads and discards the pending data payload. */
  async skipPayload(): Promise<void> {
    while (this.#pendingPayload > 0) {
      if (this.#start === this.#end && !await this.#fill(1, false)) {
        throw new ProtocolError("stream ended inside a data payload");
      }
      const take = Math.min(this.#end - this.#start, this.#pendingPayload);
      this.#start += take;
      this.#pendingPayload -= take;
    }
  }

  async #readBody(length: number): Promise<Uint8Array> {
    if (length <= this.#buffer.length) {
      if (!await this.#fill(length, false)) throw new ProtocolError("stream ended inside a frame");
      const body = this.#buffer.subarray(this.#start, this.#start + length);
      this.#start += length;
      return body;
    }
    // Memory grows with the bytes that really arrive, not with the length a
    // sender announced: announcing 16 MiB and sending nothing costs little.
    const storage = new ArrayBuffer(Math.min(length, this.#buffer.length * 2), {
      maxByteLength: length,
    });
    let body = new Uint8Array(storage);
    const buffered = this.#end - this.#start;
    body.set(this.#buffer.subarray(this.#start, this.#end));
    this.#start = this.#end;
    let offset = buffered;
    const progress = this.#begin(offset);
    while (offset < length) {
      if (offset === storage.byteLength) {
        storage.resize(Math.min(length, storage.byteLength * 2));
        body = new Uint8Array(storage);
      }
      const count = await this.#channel.read(body.subarray(offset));
      if (count === null) throw new ProtocolError("stream ended inside a frame");
      offset += count;
      progress.bytes = offset;
      progress.lastAt = this.#now();
    }
    this.#progress = undefined;
    return body;
  }

  #begin(bytes: number): FrameProgress {
    this.#progress = { startedAt: this.#now(), bytes };
    return this.#progress;
  }

  /** Ensures `count` bytes are buffered; false on end of stream (clean only if allowed). */
  async #fill(count: number, cleanEndAllowed: boolean): Promise<boolean> {
    if (this.#end - this.#start >= count) return true;
    if (this.#start === this.#end) {
      // Reads start over at the front whenever the buffer empties, so a
      // stream of small frames touches the same few bytes.
      this.#start = 0;
      this.#end = 0;
    } else if (this.#buffer.length - this.#start < count) {
      this.#buffer.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    while (this.#end - this.#start < count) {
      const read = await this.#channel.read(this.#buffer.subarray(this.#end));
      if (read === null) {
        if (cleanEndAllowed && this.#end === this.#start) return false;
        throw new ProtocolError("stream ended inside a frame");
      }
      this.#end += read;
    }
    return true;
  }
}

/** Serialises writes of whole frames to a channel, so concurrent senders never interleave. */
export class FrameWriter {
  #channel: ByteChannel;
  #tail: Promise<void> = Promise.resolve();

  /** Wraps `channel`; the writer owns its write side from now on. */
  constructor(channel: ByteChannel) {
    this.#channel = channel;
  }

  /** Sends a control message. */
  sendControl(message: unknown): Promise<void> {
    return this.sendRaw(encodeControlFrame(message));
  }

  /** Sends bytes that already form whole frames (e.g. a data header plus payload). */
  sendRaw(bytes: Uint8Array): Promise<void> {
    const result = this.#tail.then(() => writeAll(this.#channel, bytes));
    this.#tail = result.catch(() => {});
    return result;
  }
}
