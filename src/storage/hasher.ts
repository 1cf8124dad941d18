/**
 * SHA-256 of chunk buffers on a worker thread, so hashing runs on a
 * second core while the main thread moves bytes between network and disk
 * (a fast download's, once it keeps a core busy: peer/hash_placement.ts;
 * and the re-verification of a resumed one). The worker starts with the
 * first chunk. Buffers are transferred to the worker and back, never copied.
 *
 * @module
 */

import type { HashAnswer, HashRequest } from "./hash_worker.ts";

interface Waiting {
  resolve(answer: HashAnswer): void;
  reject(error: Error): void;
}

/** A hashing worker with a queue of requests. */
export class ChunkHasher {
  #worker: Worker | undefined;
  #waiting = new Map<number, Waiting>();
  #nextId = 1;

  /**
   * Hashes `data` (a view starting at offset 0 of its own `ArrayBuffer`).
   * The buffer is transferred away while hashing: use the returned view,
   * over the same memory, afterwards.
   */
  async hash(data: Uint8Array): Promise<{ hash: string; data: Uint8Array }> {
    if (data.byteOffset !== 0) throw new RangeError("hash() needs a view at offset 0");
    const worker = this.#start();
    const id = this.#nextId++;
    const answered = new Promise<HashAnswer>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
    });
    const length = data.length;
    const request: HashRequest = { id, buffer: data.buffer as ArrayBuffer, length };
    worker.postMessage(request, [request.buffer]);
    const result = await answered;
    return { hash: result.hash, data: new Uint8Array(result.buffer, 0, length) };
  }

  /** Stops the worker; pending hashes reject. */
  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const waiting of this.#waiting.values()) waiting.reject(new Error("hasher closed"));
    this.#waiting.clear();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./hash_worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<HashAnswer>) => {
      const waiting = this.#waiting.get(event.data.id);
      this.#waiting.delete(event.data.id);
      waiting?.resolve(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const error = new Error(`hashing worker failed: ${event.message}`);
      for (const waiting of this.#waiting.values()) waiting.reject(error);
      this.#waiting.clear();
      this.#worker = undefined;
    };
    this.#worker = worker;
    return worker;
  }
}
