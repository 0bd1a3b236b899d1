/**
 * The drift statistics, as pure functions of numbers, so each can be checked
 * against values computed by hand: population stability index, Jensen–Shannon
 * distance (with per-bin contributions, to name the tokens that moved most),
 * the two-sample Kolmogorov–Smirnov test and the Wasserstein-1 distance.
 * No I/O, no clocks, no models: signals.ts decides what to feed them.
 * @module
 */

/** Share replacing an empty bin in PSI, so ln(q/p) stays finite (Evidently's and most tools' choice). */
export const PSI_EPSILON = 1e-4;

/** Counts (or weights) → shares summing to 1; all-zero input stays all zero. */
export function shares(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) total += c;
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/**
 * Population stability index Σ (q − p)·ln(q / p) between a reference and a
 * live distribution over the same bins (counts or shares; both are
 * normalised). Empty bins count as `eps`. 0 means identical; the usual reading
 * is < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
 */
export function psi(
  reference: readonly number[],
  live: readonly number[],
  eps = PSI_EPSILON,
): number {
  if (reference.length !== live.length) {
    throw new RangeError(`psi: ${reference.length} reference bins vs ${live.length} live bins`);
  }
  const p = shares(reference);
  const q = shares(live);
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(p[i] as number, eps);
    const b = Math.max(q[i] as number, eps);
    if ((p[i] as number) === 0 && (q[i] as number) === 0) continue;
    sum += (b - a) * Math.log(b / a);
  }
  return sum;
}

function klTerm(x: number, m: number): number {
  return x > 0 ? x * Math.log2(x / m) : 0;
}

/**
 * Each bin's share of the Jensen–Shannon divergence (base 2):
 * ½·p·log2(p/m) + ½·q·log2(q/m) with m = (p + q)/2. They sum to the
 * divergence; the largest name the bins (tokens) that moved most.
 */
export function jsContributions(reference: readonly number[], live: readonly number[]): number[] {
  if (reference.length !== live.length) {
    throw new RangeError(`js: ${reference.length} reference bins vs ${live.length} live bins`);
  }
  const p = shares(reference);
  const q = shares(live);
  return p.map((a, i) => {
    const b = q[i] as number;
    const m = (a + b) / 2;
    return m > 0 ? 0.5 * klTerm(a, m) + 0.5 * klTerm(b, m) : 0;
  });
}

/**
 * Jensen–Shannon distance: the square root of the base-2 JS divergence, in
 * [0, 1] (0 identical, 1 disjoint supports). A metric, symmetric, finite
 * even when one side has empty bins (unlike KL or PSI).
 */
export function jsDistance(reference: readonly number[], live: readonly number[]): number {
  let d = 0;
  for (const c of jsContributions(reference, live)) d += c;
  return Math.sqrt(Math.max(0, d));
}

function sortedCopy(xs: readonly number[]): number[] {
  return Array.from(Float64Array.from(xs).sort());
}

/** The KS statistic: the largest gap between the two empirical CDFs. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  const x = sortedCopy(a);
  const y = sortedCopy(b);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < x.length && (x[i] as number) <= v) i++;
    while (j < y.length && (y[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/**
 * Kolmogorov's survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²},
 * clamped to [0, 1] (the series is 1 as λ → 0).
 */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-12) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export interface KsResult {
  statistic: number;
  /** Asymptotic p-value (Stephens' small-sample correction, as in Numerical Recipes). */
  pValue: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test. The p-value is the asymptotic one with
 * the effective size n·m/(n+m) and Stephens' correction
 * λ = (√ne + 0.12 + 0.11/√ne)·D — accurate from ~ 20 values per side.
 */
export function ksTest(a: readonly number[], b: readonly number[]): KsResult {
  if (a.length === 0 || b.length === 0) return { statistic: 0, pValue: 1 };
  const d = ksStatistic(a, b);
  const ne = Math.sqrt((a.length * b.length) / (a.length + b.length));
  return { statistic: d, pValue: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d) };
}

/**
 * Wasserstein-1 (earth mover's) distance between two empirical
 * distributions: ∫ |F_a(x) − F_b(x)| dx, in the values' unit.
 */
export function wasserstein1(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const x = sortedCopy(a);
  const y = sortedCopy(b);
  const all = sortedCopy([...x, ...y]);
  let i = 0;
  let j = 0;
  let area = 0;
  for (let k = 0; k + 1 < all.length; k++) {
    const v = all[k] as number;
    while (i < x.length && (x[i] as number) <= v) i++;
    while (j < y.length && (y[j] as number) <= v) j++;
    area += Math.abs(i / x.length - j / y.length) * ((all[k + 1] as number) - v);
  }
  return area;
}

/** Population standard deviation (0 for fewer than two values). */
export function stdDev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - mean) * (x - mean);
  return Math.sqrt(v / xs.length);
}

/**
 * Wasserstein distance divided by the reference's standard deviation
 * (Evidently's "normed Wasserstein"), so one threshold fits any unit.
 */
export function normedWasserstein(reference: readonly number[], live: readonly number[]): number {
  const w = wasserstein1(reference, live);
  const s = stdDev(reference);
  return s > 0 ? w / s : w;
}

/**
 * Expected calibration error over equal-width confidence bins:
 * Σ_b (n_b / N)·|accuracy_b − mean confidence_b|.
 */
export function expectedCalibrationError(
  confidences: readonly number[],
  correct: readonly boolean[],
  bins = 10,
): number {
  const n = confidences.length;
  if (n === 0) return 0;
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const c = confidences[i] as number;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(c * bins)));
    count[b] = (count[b] as number) + 1;
    conf[b] = (conf[b] as number) + c;
    if (correct[i]) hits[b] = (hits[b] as number) + 1;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const k = count[b] as number;
    if (k > 0) ece += (k / n) * Math.abs((hits[b] as number) / k - (conf[b] as number) / k);
  }
  return ece;
}
