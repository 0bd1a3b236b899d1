/**
 * Stratified k-fold cross-validation splits: each class is shuffled with the
 * seeded PRNG and dealt round-robin into k folds, so every fold keeps the
 * class balance and the same seed always gives the same folds.
 * @module
 */
import { rng, type Split, shuffle } from './split.js';

/** k splits; split i tests on fold i and trains on the others. */
export function stratifiedKFold(labels: readonly string[], k: number, seed = 42): Split[] {
  if (!Number.isInteger(k) || k < 2)
    throw new RangeError(`k must be a whole number >= 2, got ${k}`);
  if (k > labels.length) {
    throw new RangeError(`k (${k}) exceeds the number of rows (${labels.length})`);
  }
  const byClass = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const rows = byClass.get(label);
    if (rows) rows.push(i);
    else byClass.set(label, [i]);
  });
  const random = rng(seed);
  const fold = new Array<number>(labels.length);
  // Continue the deal across classes so small classes do not all start at fold 0.
  let next = 0;
  for (const label of [...byClass.keys()].sort()) {
    for (const row of shuffle(byClass.get(label) ?? [], random)) {
      fold[row] = next;
      next = (next + 1) % k;
    }
  }
  return Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < labels.length; i++) (fold[i] === f ? test : train).push(i);
    return { train, test };
  });
}

/** Mean and (population) standard deviation, as scikit-learn's cv summaries report them. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
