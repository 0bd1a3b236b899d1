// The drift statistics against values computed by hand (worked in comments).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expectedCalibrationError,
  jsContributions,
  jsDistance,
  kolmogorovQ,
  ksStatistic,
  ksTest,
  normedWasserstein,
  psi,
  wasserstein1,
} from './drift-stats.js';

const close = (a: number, b: number, eps = 1e-9) =>
  assert.ok(Math.abs(a - b) < eps, `${a} != ${b} (±${eps})`);

test('PSI: identical is 0; (0.5, 0.5) → (0.25, 0.75) by hand', () => {
  close(psi([1, 1], [5, 5]), 0);
  // (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5) = 0.25·0.693147… + 0.25·0.405465… = 0.274653…
  close(psi([50, 50], [25, 75]), 0.25 * Math.log(2) + 0.25 * Math.log(1.5));
  close(psi([50, 50], [25, 75]), 0.2746530721670274, 1e-12);
  // An empty live bin counts as 1e-4: (1e-4 − 0.5)·ln(1e-4/0.5) + (1 − 0.5)·ln(1/0.5)
  close(psi([1, 1], [0, 4]), (1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2));
  // Bins empty on both sides contribute nothing.
  close(psi([1, 1, 0], [1, 1, 0]), 0);
  assert.throws(() => psi([1], [1, 2]), RangeError);
});

test('Jensen–Shannon distance: 0, 1 and a hand-computed case', () => {
  close(jsDistance([3, 1], [6, 2]), 0);
  close(jsDistance([1, 0], [0, 1]), 1);
  // p = (0.5, 0.5), q = (1, 0), m = (0.75, 0.25):
  // ½[0.5·log2(0.5/0.75) + 0.5·log2(0.5/0.25)] + ½[1·log2(1/0.75)] = 0.311278…; distance √ = 0.557923…
  const jsd = 0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(2)) + 0.5 * Math.log2(1 / 0.75);
  close(jsd, 0.31127812445913283, 1e-12);
  close(jsDistance([1, 1], [1, 0]), Math.sqrt(jsd));
  const c = jsContributions([1, 1], [1, 0]);
  close((c[0] as number) + (c[1] as number), jsd);
  assert.ok((c[1] as number) > (c[0] as number), 'the bin that emptied moved most');
});

test('KS: statistic and p-value', () => {
  close(ksStatistic([1, 2, 3], [4, 5, 6]), 1);
  close(ksStatistic([1, 2, 3, 4], [1, 2, 3, 4]), 0);
  // F_a − F_b is largest just after 2: 2/4 − 0/2 = 0.5
  close(ksStatistic([1, 2, 3, 4], [2.5, 3.5]), 0.5);
  close(kolmogorovQ(0.1), 1);
  // Q(1) = 2(e^−2 − e^−8 + e^−18 − …) = 0.270000…
  close(kolmogorovQ(1), 2 * (Math.exp(-2) - Math.exp(-8) + Math.exp(-18) - Math.exp(-32)), 1e-12);
  // n = m = 20, D = 0.5: ne = √10, λ = (√10 + 0.12 + 0.11/√10)·0.5 = 1.658540…, p ≈ 0.00816
  const a = Array.from({ length: 20 }, (_, i) => i);
  const b = Array.from({ length: 20 }, (_, i) => i + 10);
  const r = ksTest(a, b);
  close(r.statistic, 0.5);
  const ne = Math.sqrt(10);
  close(r.pValue, kolmogorovQ((ne + 0.12 + 0.11 / ne) * 0.5), 1e-15);
  close(r.pValue, 0.00816, 1e-4);
  assert.equal(ksTest([], [1]).pValue, 1);
});

test('Wasserstein-1 and its normed form', () => {
  close(wasserstein1([0, 1], [1, 2]), 1);
  close(wasserstein1([0, 0, 0], [5]), 5);
  close(wasserstein1([1, 2, 3], [3, 2, 1]), 0);
  // |F_a − F_b| is 1/2 on [0, 1) and 0 from 1 on → 0.5
  close(wasserstein1([0, 1], [1, 1]), 0.5);
  // reference std of [0, 2] is 1 → normed = W
  close(normedWasserstein([0, 2], [1, 3]), 1);
  close(normedWasserstein([0, 4], [1, 5]), 0.5);
});

test('expected calibration error', () => {
  // Bin 0.9–1: confidences 0.95, 0.95 with one correct → |0.5 − 0.95| · 2/4;
  // bin 0.6–0.7: 0.65, 0.65 both correct → |1 − 0.65| · 2/4.
  close(
    expectedCalibrationError([0.95, 0.95, 0.65, 0.65], [true, false, true, true]),
    0.5 * 0.45 + 0.5 * 0.35,
  );
  close(expectedCalibrationError([1, 1], [true, true]), 0);
  assert.equal(expectedCalibrationError([], []), 0);
});
