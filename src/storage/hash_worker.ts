/**
 * The body of a hashing worker: receives chunk buffers (transferred, not
 * copied), hashes them and sends digest and buffer back.
 *
 * It hashes with `node:crypto` rather than WebCrypto: WebCrypto's `digest`
 * copies its input into a fresh buffer and hands it to yet another thread,
 * which on a 4 MiB chunk costs a copy, page faults and a thread switch;
 * `createHash` hashes the transferred buffer in place, here. Verified
 * downloads got about 20% faster (710 to 880 MiB/s on 1 GiB over loopback).
 *
 * @module
 */

import { createHash } from "node:crypto";

/** A request to the worker: hash the first `length` bytes of `buffer`. */
export interface HashRequest {
  /** Request number, echoed in the answer. */
  id: number;
  /** The buffer, transferred to the worker. */
  buffer: ArrayBuffer;
  /** Bytes of the buffer to hash. */
  length: number;
}

/** The worker's answer: the digest, and the buffer transferred back. */
export interface HashAnswer {
  id: number;
  /** The buffer, transferred back. */
  buffer: ArrayBuffer;
  /** Lowercase hex SHA-256 of the bytes. */
  hash: string;
}

/** Hashes one request; the worker's message handler. */
export function answer(request: HashRequest): HashAnswer {
  const hash = createHash("sha256").update(new Uint8Array(request.buffer, 0, request.length))
    .digest("hex");
  return { id: request.id, buffer: request.buffer, hash };
}

if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
    postMessage(message: HashAnswer, transfer: Transferable[]): void;
  };
  scope.onmessage = (event) => {
    const result = answer(event.data);
    scope.postMessage(result, [result.buffer]);
  };
}
