/**
 * Where a download verifies its chunks. As they arrive, on the thread that
 * reads them, is cheapest: the bytes are still in the CPU's cache, and no
 * worker has to start (tens of milliseconds of CPU time) or be handed each
 * chunk. But that thread then does all the work of the download; once it
 * keeps a whole core busy, the download goes no faster than that core, and
 * hashing on a worker thread lets a second core share it. So a download
 * hashes as chunks arrive until its process has kept about a core busy for
 * {@linkcode SAMPLE_MS}, with enough left to fetch to pay for the worker;
 * from then on, whole chunks go to the hashing worker. On a machine whose
 * cores are all taken (a swarm on two cores, a busy laptop) the process gets
 * less than a core and stays with the cheaper way.
 *
 * @module
 */

/** Wall time over which the process's CPU time is compared with a core's. */
export const SAMPLE_MS = 100;

/** Share of one core's time the process must have used over a sample to move to the worker. */
export const BUSY_SHARE = 0.75;

/** Fewest bytes still to fetch for the move to the worker to pay for its start. */
export const WORKER_MIN_REMAINING_BYTES = 128 * 1024 * 1024;

/** Clocks the placement reads: wall time and the process's CPU time, both in ms. */
export interface PlacementClocks {
  nowMs(): number;
  cpuMs(): number;
}

/** Decides, chunk by chunk, whether a download hashes on the worker thread. */
export class HashPlacement {
  #clocks: PlacementClocks;
  #onWorker = false;
  #sampleWallMs: number;
  #sampleCpuMs: number;

  /** Starts hashing as chunks arrive; the first sample begins now. */
  constructor(clocks: PlacementClocks) {
    this.#clocks = clocks;
    this.#sampleWallMs = clocks.nowMs();
    this.#sampleCpuMs = clocks.cpuMs();
  }

  /** Whether chunks go whole to the hashing worker (once true, it stays true). */
  get onWorker(): boolean {
    return this.#onWorker;
  }

  /** Looks at the process's load, with `remainingBytes` still to fetch; called as chunks come in. */
  update(remainingBytes: number): void {
    if (this.#onWorker) return;
    const wallMs = this.#clocks.nowMs() - this.#sampleWallMs;
    if (wallMs < SAMPLE_MS) return;
    const cpuMs = this.#clocks.cpuMs();
    const busy = (cpuMs - this.#sampleCpuMs) / wallMs;
    this.#sampleWallMs += wallMs;
    this.#sampleCpuMs = cpuMs;
    if (busy >= BUSY_SHARE && remainingBytes >= WORKER_MIN_REMAINING_BYTES) {
      this.#onWorker = true;
    }
  }
}
