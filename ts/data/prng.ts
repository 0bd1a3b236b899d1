/**
 * mulberry32: a tiny, fast, well-distributed seedable 32-bit PRNG. The same
 * seed always gives the same sequence of floats in [0, 1). Used for
 * reproducible splits and shuffles (ts/train), the serve tests' fuzzed
 * requests and the scale bench's corpus order (bench/scale/corpus.mjs,
 * through dist/data/prng.js).
 * @module
 */

/** A random source seeded with `seed`: each call returns the next float in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
