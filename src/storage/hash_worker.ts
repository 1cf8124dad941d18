/**
 * The body of a hashing worker: receives chunk buffers (transferred, not
 * copied), hashes them with WebCrypto and sends digest and buffer back.
 *
 * @module
 */

import { toHex } from "./manifest.ts";

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
  /** Request number. */
  id: number;
  /** The buffer, transferred back. */
  buffer: ArrayBuffer;
  /** Lowercase hex SHA-256 of the bytes. */
  hash: string;
}

/** Hashes one request; the worker's message handler. */
export async function answer(request: HashRequest): Promise<HashAnswer> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new Uint8Array(request.buffer, 0, request.length),
  );
  return { id: request.id, buffer: request.buffer, hash: toHex(new Uint8Array(digest)) };
}

if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
    postMessage(message: HashAnswer, transfer: Transferable[]): void;
  };
  scope.onmessage = async (event) => {
    const result = await answer(event.data);
    scope.postMessage(result, [result.buffer]);
  };
}
