/**
 * Seeded randomness for tests of code that takes a `random` function: the
 * same seed gives the same draws, so a failure can be replayed.
 *
 * @module
 */

const MODULUS = 2_147_483_648;
const MULTIPLIER = 1_103_515_245;
const INCREMENT = 12_345;

/** A generator of numbers in [0, 1), as `Math.random`, repeatable from `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed % MODULUS;
  return () => {
    state = (state * MULTIPLIER + INCREMENT) % MODULUS;
    return state / MODULUS;
  };
}
