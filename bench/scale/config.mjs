// What the scale benchmark measures: corpus sizes, the two feature modes and
// the two ways of streaming, and the profiles (full: the committed results;
// --quick: a smoke run).
import { MODEL_CONFIG, REPO_ROOT, TRAIN_CSV } from '../engine/config.mjs';

export { MODEL_CONFIG, REPO_ROOT, TRAIN_CSV };

/** Hashing mode: 2^20 buckets. min_df is refused there (no vocabulary to prune). */
export const HASHING_BITS = 20;
const { min_df: _minDf, ...rest } = MODEL_CONFIG;
export const HASHING_CONFIG = Object.freeze({ ...rest, hashing: { bits: HASHING_BITS } });

/** Documents per observeAsync / learnAsync call (as `sentio train`: ts/train/fit.ts FIT_CHUNK). */
export const CHUNK_SIZE = 2000;

/** Seed of the shuffle of an N× corpus (the same N gives the same order in every run). */
export const seedFor = (times) => 0x5e4710 + times;

/** Stop a point whose RSS passes this (or what the machine has available, less a reserve). */
export const MEMORY_LIMIT_BYTES = 8 * 2 ** 30;
export const MEMORY_RESERVE_BYTES = 1.5 * 2 ** 30;

/**
 * The series. Two-pass: `observe` every chunk (document frequencies), then
 * `learn` every chunk; memory is bounded by the vocabulary / the 2^bits
 * buckets. Single pass: `learn` only, as `sentio train` does; the trainer
 * keeps every document compactly (token ids / sparse counts) until `finish`.
 */
export const SERIES = Object.freeze([
  {
    key: 'vocabulary-2pass',
    mode: 'vocabulary',
    twoPass: true,
    label: 'vocabulary, two passes',
    config: MODEL_CONFIG,
  },
  {
    key: 'hashing-2pass',
    mode: 'hashing',
    twoPass: true,
    label: `hashing 2^${HASHING_BITS}, two passes`,
    config: HASHING_CONFIG,
  },
  {
    key: 'vocabulary-1pass',
    mode: 'vocabulary',
    twoPass: false,
    label: 'vocabulary, single pass',
    config: MODEL_CONFIG,
  },
  {
    key: 'hashing-1pass',
    mode: 'hashing',
    twoPass: false,
    label: `hashing 2^${HASHING_BITS}, single pass`,
    config: HASHING_CONFIG,
  },
]);

export const PROFILES = Object.freeze({
  full: {
    name: 'full',
    times: [1, 4, 16, 40],
    /** Fresh-process runs per point (per series). */
    repeats: { 1: 3, 4: 2, 16: 1, 40: 1 },
    timeoutMs: 45 * 60_000,
  },
  quick: {
    name: 'quick',
    times: [1, 4],
    repeats: { 1: 2, 4: 1 },
    timeoutMs: 15 * 60_000,
  },
});
