/**
 * The five drift signals: what each compares, its default threshold and the
 * smallest window that gets a verdict. A signal is `drift`, `ok`,
 * `insufficient_data` (window below its minimum: no verdict rather than a
 * noisy one) or `unavailable` (the reference lacks what it needs, e.g. a
 * profile written before monitoring, or a hashing model with no vocabulary).
 *
 * Defaults (override any with `Thresholds`):
 * - prediction_psi  PSI of predicted classes vs the evaluation set's      > 0.2   min 100
 * - confidence_psi  PSI of winning-probability bins vs the evaluation set > 0.2   min 100
 * - token_js        JS distance of vocabulary document frequencies vs
 *                   training (top features by name + one "other" bin)     > 0.2   min 500
 * - oov_rate        live OOV rate − evaluation-set OOV rate               > 0.05  min 100
 * - text_length     ≤ 1000 texts: KS two-sample p-value                   < 0.05
 *                   > 1000 texts: Wasserstein / reference std             > 0.1   min 30
 * 0.2 for PSI is the customary "significant shift" line. The token and OOV
 * lines were set on IMDB (a train.csv model, monitor.test.ts): test.csv
 * traffic gives token_js 0.057 over 3.5k texts and OOV +0.001, airline tweets
 * 0.43 and +0.11. Token JS has a sampling floor that shrinks with the window
 * (IMDB test traffic: 0.22 at 100 texts, 0.15 at 200, 0.115 at 500, 0.077 at
 * 1000), hence its minimum of 500; airline traffic stays at 0.46–0.56 at
 * every size.
 * @module
 */
import { type DataProfile, LENGTH_BINS } from '../train/index.js';
import {
  jsContributions,
  jsDistance,
  ksTest,
  normedWasserstein,
  psi,
  shares,
} from './drift-stats.js';
import type { PredictionRow, TokenBucket } from './types.js';

export type Verdict = 'ok' | 'drift' | 'insufficient_data' | 'unavailable';
export type SignalName =
  | 'prediction_psi'
  | 'confidence_psi'
  | 'token_js'
  | 'oov_rate'
  | 'text_length';
export const SIGNAL_NAMES: readonly SignalName[] = [
  'prediction_psi',
  'confidence_psi',
  'token_js',
  'oov_rate',
  'text_length',
];

export interface SignalThreshold {
  threshold: number;
  minWindow: number;
}

export interface Thresholds {
  prediction_psi: SignalThreshold;
  confidence_psi: SignalThreshold;
  token_js: SignalThreshold;
  /** `threshold` is the allowed increase over the reference rate (absolute). */
  oov_rate: SignalThreshold;
  /** `threshold` for the normed Wasserstein distance; `ksPValue` below 1000 texts. */
  text_length: SignalThreshold & { ksPValue: number; ksMaxWindow: number };
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  prediction_psi: { threshold: 0.2, minWindow: 100 },
  confidence_psi: { threshold: 0.2, minWindow: 100 },
  token_js: { threshold: 0.2, minWindow: 500 },
  oov_rate: { threshold: 0.05, minWindow: 100 },
  text_length: { threshold: 0.1, minWindow: 30, ksPValue: 0.05, ksMaxWindow: 1000 },
};

/** Merge partial overrides (`{ token_js: { threshold: 0.3 } }`) onto the defaults. */
export function resolveThresholds(over: DeepPartial<Thresholds> = {}): Thresholds {
  const out = structuredClone(DEFAULT_THRESHOLDS) as Thresholds;
  for (const name of SIGNAL_NAMES) {
    Object.assign(out[name], over[name] ?? {});
  }
  return out;
}
export type DeepPartial<T> = { [K in keyof T]?: Partial<T[K]> };

export interface Signal {
  name: SignalName;
  /** The statistic (null when there is no verdict). */
  value: number | null;
  /** The line it is compared with; drift when value is above it (or below, see `direction`). */
  threshold: number;
  direction: 'above' | 'below';
  verdict: Verdict;
  /** Window size the statistic used (predictions, or documents for tokens) and the minimum. */
  n: number;
  minWindow: number;
  method: string;
  /** Why there is no verdict, for insufficient_data / unavailable. */
  reason?: string;
  /** Reference and live distributions (for charts and for humans). */
  reference?: Array<{ bin: string; share: number }>;
  live?: Array<{ bin: string; share: number }>;
  /** token_js: the tracked tokens that moved most. */
  moved?: Array<{ token: string; reference: number; live: number; contribution: number }>;
  extra?: Record<string, number>;
}

export interface WindowData {
  rows: readonly PredictionRow[];
  buckets: readonly TokenBucket[];
}

function verdictFor(
  value: number,
  threshold: number,
  direction: 'above' | 'below',
): 'ok' | 'drift' {
  return (direction === 'above' ? value > threshold : value < threshold) ? 'drift' : 'ok';
}

function noVerdict(
  base: Omit<Signal, 'value' | 'verdict'>,
  verdict: 'insufficient_data' | 'unavailable',
  reason: string,
): Signal {
  return { ...base, value: null, verdict, reason };
}

function pairs(bins: readonly string[], values: readonly number[]) {
  const s = shares(values);
  return bins.map((bin, i) => ({ bin, share: s[i] as number }));
}

function predictionPsi(profile: DataProfile, w: WindowData, t: SignalThreshold): Signal {
  const classes = profile.classes;
  const ref = classes.map((c) => profile.evaluation.predicted_distribution[c] ?? 0);
  const live = classes.map(() => 0);
  for (const r of w.rows) {
    const i = classes.indexOf(r.label);
    if (i >= 0) live[i] = (live[i] as number) + 1;
  }
  const base = {
    name: 'prediction_psi' as const,
    threshold: t.threshold,
    direction: 'above' as const,
    n: w.rows.length,
    minWindow: t.minWindow,
    method: 'PSI over predicted classes vs the evaluation set',
    reference: pairs(classes, ref),
    live: pairs(classes, live),
  };
  if (w.rows.length < t.minWindow) {
    return noVerdict(base, 'insufficient_data', `${w.rows.length} predictions < ${t.minWindow}`);
  }
  const value = psi(ref, live);
  return { ...base, value, verdict: verdictFor(value, t.threshold, 'above') };
}

function binIndex(edges: readonly number[], x: number): number {
  let i = 0;
  while (i + 1 < edges.length && x >= (edges[i + 1] as number)) i++;
  return i;
}

function confidencePsi(profile: DataProfile, w: WindowData, t: SignalThreshold): Signal {
  const { bins, counts } = profile.evaluation.confidence;
  const live = bins.map(() => 0);
  for (const r of w.rows) {
    const b = binIndex(bins, r.confidence);
    live[b] = (live[b] as number) + 1;
  }
  const labels = bins.map((lo, i) => `${lo.toFixed(1)}–${(bins[i + 1] ?? 1).toFixed(1)}`);
  const base = {
    name: 'confidence_psi' as const,
    threshold: t.threshold,
    direction: 'above' as const,
    n: w.rows.length,
    minWindow: t.minWindow,
    method: 'PSI over winning-probability bins vs the evaluation set',
    reference: pairs(labels, counts),
    live: pairs(labels, live),
  };
  if (w.rows.length < t.minWindow) {
    return noVerdict(base, 'insufficient_data', `${w.rows.length} predictions < ${t.minWindow}`);
  }
  const value = psi(counts, live);
  return { ...base, value, verdict: verdictFor(value, t.threshold, 'above') };
}

function tokenJs(profile: DataProfile, w: WindowData, t: SignalThreshold): Signal {
  const ref = profile.reference?.token_df;
  const docs = w.buckets.reduce((a, b) => a + b.docs, 0);
  const base = {
    name: 'token_js' as const,
    threshold: t.threshold,
    direction: 'above' as const,
    n: docs,
    minWindow: t.minWindow,
    method: 'Jensen–Shannon distance of vocabulary document frequencies vs training',
  };
  if (!ref || ref.features.length === 0) {
    return noVerdict(
      base,
      'unavailable',
      'the version has no token reference (profile written before monitoring, or a hashing model)',
    );
  }
  if (docs < t.minWindow) {
    return noVerdict(base, 'insufficient_data', `${docs} measured texts < ${t.minWindow}`);
  }
  const k = ref.features.length;
  const refVec = [...ref.df, Math.max(0, ref.total - ref.df.reduce((a, b) => a + b, 0))];
  const liveVec = new Array<number>(k + 1).fill(0);
  for (const b of w.buckets) {
    for (const [slot, c] of b.counts) if (slot < k) liveVec[slot] = (liveVec[slot] as number) + c;
    liveVec[k] = (liveVec[k] as number) + b.other;
  }
  const value = jsDistance(refVec, liveVec);
  const contrib = jsContributions(refVec, liveVec);
  const p = shares(refVec);
  const q = shares(liveVec);
  const moved = contrib
    .map((c, i) => ({ i, c }))
    .filter((x) => x.i < k)
    .sort((a, b) => b.c - a.c)
    .slice(0, 15)
    .map(({ i, c }) => ({
      token: ref.features[i] as string,
      reference: p[i] as number,
      live: q[i] as number,
      contribution: c,
    }));
  return {
    ...base,
    value,
    verdict: verdictFor(value, t.threshold, 'above'),
    moved,
    extra: { other_reference: p[k] as number, other_live: q[k] as number, tracked: k },
  };
}

function oovRate(profile: DataProfile, w: WindowData, t: SignalThreshold): Signal {
  const reference = profile.evaluation.oov_rate;
  let tokens = 0;
  let oov = 0;
  let n = 0;
  for (const r of w.rows) {
    if (r.tokens === null || r.oovTokens === null) continue;
    n++;
    tokens += r.tokens;
    oov += r.oovTokens;
  }
  const base = {
    name: 'oov_rate' as const,
    threshold: reference + t.threshold,
    direction: 'above' as const,
    n,
    minWindow: t.minWindow,
    method: `share of tokens outside the vocabulary; reference ${reference.toFixed(4)} (evaluation set) + ${t.threshold}`,
  };
  if (profile.reference === undefined && n === 0) {
    return noVerdict(base, 'unavailable', 'no measured texts and no reference');
  }
  if (n < t.minWindow) {
    return noVerdict(base, 'insufficient_data', `${n} measured texts < ${t.minWindow}`);
  }
  const value = tokens === 0 ? 0 : oov / tokens;
  return {
    ...base,
    value,
    verdict: verdictFor(value, base.threshold, 'above'),
    extra: { reference, tokens, oov_tokens: oov },
  };
}

function textLength(profile: DataProfile, w: WindowData, t: Thresholds['text_length']): Signal {
  const ref = profile.reference?.text_lengths;
  const n = w.rows.length;
  const small = n <= t.ksMaxWindow;
  const base = {
    name: 'text_length' as const,
    threshold: small ? t.ksPValue : t.threshold,
    direction: small ? ('below' as const) : ('above' as const),
    n,
    minWindow: t.minWindow,
    method: small
      ? 'Kolmogorov–Smirnov two-sample p-value vs training lengths'
      : 'Wasserstein distance / reference std vs training lengths',
  };
  if (!ref || ref.length === 0) {
    return noVerdict(
      base,
      'unavailable',
      'the version has no length sample (profile written before monitoring)',
    );
  }
  if (n < t.minWindow) {
    return noVerdict(base, 'insufficient_data', `${n} predictions < ${t.minWindow}`);
  }
  const live = w.rows.map((r) => r.textLength);
  const hist = (xs: readonly number[]) => {
    const c = LENGTH_BINS.map(() => 0);
    for (const x of xs) {
      const b = binIndex(LENGTH_BINS, x);
      c[b] = (c[b] as number) + 1;
    }
    return c;
  };
  const bins = LENGTH_BINS.map((lo, i) =>
    i + 1 < LENGTH_BINS.length ? `${lo}–${LENGTH_BINS[i + 1]}` : `${lo}+`,
  );
  Object.assign(base, { reference: pairs(bins, hist(ref)), live: pairs(bins, hist(live)) });
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const extra = { reference_mean: mean(ref), live_mean: mean(live) };
  if (small) {
    const ks = ksTest(ref, live);
    return {
      ...base,
      value: ks.pValue,
      verdict: verdictFor(ks.pValue, base.threshold, 'below'),
      extra: { ...extra, ks_statistic: ks.statistic },
    };
  }
  const value = normedWasserstein(ref, live);
  return { ...base, value, verdict: verdictFor(value, base.threshold, 'above'), extra };
}

/** Every signal of a window against a version's profile. */
export function computeSignals(
  profile: DataProfile,
  window: WindowData,
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
): Signal[] {
  return [
    predictionPsi(profile, window, thresholds.prediction_psi),
    confidencePsi(profile, window, thresholds.confidence_psi),
    tokenJs(profile, window, thresholds.token_js),
    oovRate(profile, window, thresholds.oov_rate),
    textLength(profile, window, thresholds.text_length),
  ];
}
