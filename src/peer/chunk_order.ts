/**
 * Which of the chunks a source could give goes first.
 *
 * - Rarest first: the candidates with the lowest score (the fewest sources
 *   holding them, or the fewest copies requested) go first, random among
 *   equals, so a swarm spreads chunks around instead of everyone asking the
 *   seeder for chunk 0.
 * - A lone source: with a single source there is nothing to spread, so the
 *   lowest-scored chunks go in file order from a starting chunk (picked at
 *   random by the caller), and the file is written mostly sequentially
 *   (much faster on disks).
 * - In order: a download streamed as it comes takes the first chunk in the
 *   file, whatever its score.
 *
 * @module
 */

/** Options of {@linkcode pickChunk}. */
export interface ChunkOrderOptions {
  /** Take the first candidate in the file, whatever the scores. */
  inOrder: boolean;
  /** True when the download has a single source: walk the file from `origin`. */
  lone: boolean;
  /** Where a lone source's walk through the file starts. */
  origin: number;
  /** Chunks in the file, for the walk to wrap around. */
  chunkCount: number;
  /** Source of randomness for tie-breaking, in [0, 1). */
  random: () => number;
}

/**
 * The chunk of `candidates` (not empty) to ask for next: the one with the
 * lowest `score`, tie broken as the module documentation says.
 */
export function pickChunk(
  candidates: number[],
  score: (index: number) => number,
  options: ChunkOrderOptions,
): number {
  if (options.inOrder) return candidates.reduce((a, b) => b < a ? b : a);
  let best: number[] = [];
  let bestScore = Infinity;
  for (const index of candidates) {
    const value = score(index);
    if (value < bestScore) {
      bestScore = value;
      best = [index];
    } else if (value === bestScore) {
      best.push(index);
    }
  }
  if (!options.lone) return best[Math.floor(options.random() * best.length)];
  const { origin, chunkCount } = options;
  const distance = (index: number) => (index - origin + chunkCount) % chunkCount;
  return best.reduce((a, b) => distance(b) < distance(a) ? b : a);
}
