/**
 * The reference data profile stored with every version, for monitoring to
 * compare live traffic against: text length histogram, the most common
 * features and their document frequencies (over a seeded sample of the
 * training texts), out-of-vocabulary rates, and on the evaluation set the
 * predicted-class distribution and a confidence histogram. Fixed bin edges,
 * so profiles of different versions line up. The `reference` section is what
 * ts/monitor's drift signals compare live traffic against (token document
 * frequencies over the vocabulary, a sample of text lengths).
 * @module
 */
import type { EngineModel } from '../engine/index.js';
import type { Scores } from './evaluate.js';
import { rng, shuffle } from './split.js';

export const PROFILE_FORMAT = 'sentio.profile/1';

/** Lower edges of the text length bins (characters); the last bin is open-ended. */
export const LENGTH_BINS = [0, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
/** Lower edges of the confidence bins (winning probability); the last covers [0.9, 1]. */
export const CONFIDENCE_BINS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface Histogram {
  /** Lower bin edges; bin i is [bins[i], bins[i+1]), the last one open-ended. */
  bins: number[];
  counts: number[];
}

export interface LengthStats extends Histogram {
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
}

/** Vocabulary features whose document frequency the reference keeps by name (the rest is one bin). */
export const REFERENCE_TOP_FEATURES = 5000;
/** Training text lengths kept (a seeded sample, sorted) for two-sample tests. */
export const REFERENCE_LENGTH_SAMPLE = 2000;

/** Reference distributions for drift detection (ts/monitor). */
export interface ReferenceProfile {
  /**
   * Document frequencies of the vocabulary's features over the training data:
   * `features` (the top ones by DF) with their DF counts, `total` = Σ DF over
   * the whole vocabulary (so `total − Σ df` is the "other features" bin).
   * Source `idf`: exact, derived from the model's idf over every training
   * document; `sample`: counted on the training sample (no idf, or hashing).
   */
  token_df: {
    source: 'idf' | 'sample';
    documents: number;
    total: number;
    features: string[];
    df: number[];
  };
  /** Text lengths (characters) of a seeded training sample, sorted. */
  text_lengths: number[];
}

export interface DataProfile {
  format: typeof PROFILE_FORMAT;
  classes: string[];
  training: {
    documents: number;
    /** Documents the feature statistics were computed on. */
    sampled: number;
    seed: number;
    label_distribution: Record<string, number>;
    text_length: LengthStats;
    /** Features per document, mean over the sample. */
    features_per_doc: number;
    /** Most frequent features by document frequency (share of sampled documents). */
    top_features: Array<{ feature: string; df: number }>;
    oov_rate: number;
  };
  evaluation: {
    documents: number;
    label_distribution: Record<string, number>;
    predicted_distribution: Record<string, number>;
    confidence: Histogram & { mean: number };
    text_length: LengthStats;
    oov_rate: number;
  };
  /** Absent in profiles written before monitoring existed. */
  reference?: ReferenceProfile;
}

/** Index of the bin `x` falls into. */
export function binOf(bins: readonly number[], x: number): number {
  let i = 0;
  while (i + 1 < bins.length && x >= (bins[i + 1] as number)) i++;
  return i;
}

export function histogram(bins: readonly number[], values: Iterable<number>): Histogram {
  const counts = new Array<number>(bins.length).fill(0);
  for (const v of values) {
    const b = binOf(bins, v);
    counts[b] = (counts[b] ?? 0) + 1;
  }
  return { bins: [...bins], counts };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export function lengthStats(texts: readonly string[]): LengthStats {
  const lengths = texts.map((t) => t.length);
  const sorted = [...lengths].sort((a, b) => a - b);
  const sum = lengths.reduce((a, b) => a + b, 0);
  return {
    ...histogram(LENGTH_BINS, lengths),
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    mean: lengths.length ? sum / lengths.length : 0,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
  };
}

/** Share of each label, keys sorted. */
export function distribution(labels: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return Object.fromEntries(
    [...counts.keys()].sort().map((k) => [k, (counts.get(k) ?? 0) / Math.max(1, labels.length)]),
  );
}

function oovRate(model: EngineModel, texts: readonly string[]): number {
  let tokens = 0;
  let oov = 0;
  for (const t of texts) {
    const c = model.oovCounts(t);
    tokens += c.tokens;
    oov += c.oov;
  }
  return tokens === 0 ? 0 : oov / tokens;
}

/** A seeded sample of at most `n` items, in their original order. */
export function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  if (items.length <= n) return [...items];
  const idx = shuffle(
    Array.from({ length: items.length }, (_, i) => i),
    rng(seed),
  )
    .slice(0, n)
    .sort((a, b) => a - b);
  return idx.map((i) => items[i] as T);
}

export interface ProfileInput {
  model: EngineModel;
  trainTexts: readonly string[];
  trainLabels: readonly string[];
  evalTexts: readonly string[];
  evalLabels: readonly string[];
  evalScores: Scores;
  seed: number;
  /** Documents sampled for feature statistics (default 2000). */
  sampleSize?: number;
  /** Features kept in `top_features` (default 1000). */
  topN?: number;
}

export function buildProfile(input: ProfileInput): DataProfile {
  const { model, evalScores } = input;
  const sampleSize = input.sampleSize ?? 2000;
  const topN = input.topN ?? 1000;
  const trainSample = sample(input.trainTexts, sampleSize, input.seed);
  const df = new Map<string, number>();
  let features = 0;
  for (const text of trainSample) {
    const seen = new Set(model.analyze(text));
    features += seen.size;
    for (const f of seen) df.set(f, (df.get(f) ?? 0) + 1);
  }
  const top = [...df.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, topN)
    .map(([feature, n]) => ({ feature, df: n / Math.max(1, trainSample.length) }));

  const k = evalScores.classes.length;
  const confidences: number[] = [];
  for (let i = 0; i < evalScores.labels.length; i++) {
    let best = 0;
    for (let j = 0; j < k; j++) best = Math.max(best, evalScores.probabilities[i * k + j] ?? 0);
    confidences.push(best);
  }
  const evalSample = sample(input.evalTexts, sampleSize, input.seed);
  const reference: ReferenceProfile = {
    token_df: tokenDfReference(model, df, trainSample.length),
    text_lengths: sample(input.trainTexts, REFERENCE_LENGTH_SAMPLE, input.seed)
      .map((t) => t.length)
      .sort((a, b) => a - b),
  };
  return {
    format: PROFILE_FORMAT,
    classes: [...model.classes],
    training: {
      documents: input.trainTexts.length,
      sampled: trainSample.length,
      seed: input.seed,
      label_distribution: distribution(input.trainLabels),
      text_length: lengthStats(input.trainTexts),
      features_per_doc: trainSample.length ? features / trainSample.length : 0,
      top_features: top,
      oov_rate: oovRate(model, trainSample),
    },
    evaluation: {
      documents: input.evalTexts.length,
      label_distribution: distribution(input.evalLabels),
      predicted_distribution: distribution(evalScores.labels),
      confidence: {
        ...histogram(CONFIDENCE_BINS, confidences),
        mean: confidences.length ? confidences.reduce((a, b) => a + b, 0) / confidences.length : 0,
      },
      text_length: lengthStats(input.evalTexts),
      oov_rate: oovRate(model, evalSample),
    },
    reference,
  };
}

/**
 * Training document frequencies over the vocabulary. With idf they are exact:
 * idf = ln((1+n)/(1+df)) + 1 (smooth) or ln(n/df) + 1, inverted and rounded.
 * Otherwise (no idf, or feature hashing) the sample's counts stand in.
 */
export function tokenDfReference(
  model: EngineModel,
  sampleDf: ReadonlyMap<string, number>,
  sampled: number,
  topN = REFERENCE_TOP_FEATURES,
): ReferenceProfile['token_df'] {
  const vocab = model.vocabulary();
  const idf = vocab === null ? null : model.idf();
  const byDf = (a: [string, number], b: [string, number]) =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  if (idf !== null && vocab !== null) {
    const n = model.facts.n_documents;
    const smooth = model.config.smooth_idf;
    const all: Array<[string, number]> = [];
    let total = 0;
    for (let i = 0; i < idf.length; i++) {
      const e = Math.exp((idf[i] as number) - 1);
      const d = Math.max(0, Math.round(smooth ? (1 + n) / e - 1 : n / e));
      total += d;
      all.push([vocab[i] as string, d]);
    }
    const top = all.sort(byDf).slice(0, topN);
    return {
      source: 'idf',
      documents: n,
      total,
      features: top.map((x) => x[0]),
      df: top.map((x) => x[1]),
    };
  }
  const known = vocab === null ? null : new Set(vocab);
  const entries = [...sampleDf.entries()].filter((x) => known === null || known.has(x[0]));
  const total = entries.reduce((a, x) => a + x[1], 0);
  const top = entries.sort(byDf).slice(0, topN);
  return {
    source: 'sample',
    documents: sampled,
    total,
    features: top.map((x) => x[0]),
    df: top.map((x) => x[1]),
  };
}
