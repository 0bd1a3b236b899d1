/**
 * Reproducible stratified train/test split: each class is shuffled with a
 * seeded PRNG and cut at the same fraction, so class balance is kept and the
 * same seed always gives the same split.
 * @module
 */

/** mulberry32: a tiny, well-distributed 32-bit PRNG; deterministic per seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
  const random = rng(seed);
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
