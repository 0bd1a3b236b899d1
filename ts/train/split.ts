/**
 * Reproducible stratified train/test split: each class is shuffled with a
 * seeded PRNG and cut at the same fraction, so class balance is kept and the
 * same seed always gives the same split.
 * @module
 */

import { mulberry32 } from '../data/index.js';

/** The seeded PRNG the splits and shuffles use (mulberry32, from ts/data). */
export const rng = mulberry32;

/** Fisher–Yates shuffle in place with the given random source. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

export interface Split {
  /** Row indices of the training part, ascending. */
  train: number[];
  /** Row indices of the test part, ascending. */
  test: number[];
}

/**
 * Split row indices by label. Every class with at least two rows puts at
 * least one row on each side.
 */
export function stratifiedSplit(labels: readonly string[], testFraction = 0.2, seed = 42): Split {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`test fraction must be in (0, 1), got ${testFraction}`);
  }
  const byClass = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const rows = byClass.get(label);
    if (rows) rows.push(i);
    else byClass.set(label, [i]);
  });
  const random = mulberry32(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const label of [...byClass.keys()].sort()) {
    const rows = shuffle(byClass.get(label) ?? [], random);
    let nTest = Math.round(rows.length * testFraction);
    if (rows.length >= 2) nTest = Math.min(Math.max(nTest, 1), rows.length - 1);
    test.push(...rows.slice(0, nTest));
    train.push(...rows.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
