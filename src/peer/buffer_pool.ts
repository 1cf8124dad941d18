/**
 * The chunk buffers all downloads of a peer share. Their number is fixed, so
 * a peer's memory stays bounded however many downloads and sources it has;
 * buffers are reused, never reallocated per chunk.
 *
 * @module
 */

/** A fixed budget of equally sized, reusable buffers. */
export class BufferPool {
  /** Size of each buffer in bytes. */
  readonly bufferBytes: number;
  #limit: number;
  #free: Uint8Array[] = [];
  #made = 0;
  #waiters = new Set<() => void>();

  /** A pool of at most `limit` buffers of `bufferBytes` each, made on demand. */
  constructor(limit: number, bufferBytes: number) {
    this.#limit = limit;
    this.bufferBytes = bufferBytes;
  }

  /** Buffers that can be taken now. */
  get available(): number {
    return this.#free.length + this.#limit - this.#made;
  }

  /** A buffer, or `undefined` when the budget is spent. */
  take(): Uint8Array | undefined {
    const buffer = this.#free.pop();
    if (buffer) return buffer;
    if (this.#made >= this.#limit) return undefined;
    this.#made++;
    return new Uint8Array(this.bufferBytes);
  }

  /**
   * Gives a buffer back. A buffer whose memory was lost (detached by a
   * transfer that never came back) frees its place in the budget instead.
   */
  give(buffer: Uint8Array): void {
    if (buffer.buffer.byteLength === this.bufferBytes) {
      this.#free.push(new Uint8Array(buffer.buffer));
    } else {
      this.#made--;
    }
    for (const wake of this.#waiters) wake();
  }

  /** Calls `wake` whenever a buffer comes back; returns the function that stops it. */
  onRelease(wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }
}
