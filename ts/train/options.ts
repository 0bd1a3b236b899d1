/**
 * Training options: one typed shape for what `sentio train` flags, a
 * `--config` file and the library API can say, with parsing of the flag
 * forms (`--ngram 1-2`, `--hashing 2^20`, `--tag k=v`), Sentio's defaults,
 * and the mapping onto the engine's snake_case `TrainConfig`.
 * @module
 */
import type { ClassifierKind, Norm, TrainConfig } from '../engine/index.js';
import { SentioError } from '../errors/index.js';

/** The model options a sweep may vary (engine settings plus the seed). */
export interface ModelOptions {
  /** Word n-gram range, inclusive. */
  ngram: [number, number];
  /** Minimum document frequency: a count (>= 1) or a proportion (< 1). Vocabulary mode only. */
  minDf?: number;
  /** Maximum document frequency: a proportion (<= 1) or a count (> 1). Vocabulary mode only. */
  maxDf?: number;
  /** Keep only the N most frequent features. Vocabulary mode only. */
  maxFeatures?: number;
  sublinearTf: boolean;
  norm: Norm;
  alpha: number;
  nb: ClassifierKind;
  /** Feature hashing into 2^bits buckets instead of a vocabulary. */
  hashing?: number;
  /** Seed of the train/test split, the k folds and the profile sample. */
  seed: number;
}

export type RegisterMode = 'best' | 'all';

/** Everything `trainAndRegister` needs to know, resolved and validated. */
export interface TrainOptions extends ModelOptions {
  /** Labelled training data (CSV, TSV, JSONL, optionally .gz). */
  data: string;
  /** Evaluation data; without it the training data is split. */
  test?: string;
  /** Registered model name. */
  model: string;
  textColumn: string;
  labelColumn: string;
  /** Share of the data held out for evaluation when there is no `test`. */
  testFraction: number;
  /** Experiment the run(s) belong to (default: the model name). */
  experiment: string;
  description?: string;
  tags: Record<string, string>;
  /** Sweep axes, expanded into a grid of runs. */
  sweep: SweepAxis[];
  /** Metric that picks the best sweep run. */
  metric: string;
  register: RegisterMode;
  /** k-fold cross-validation on the training part (0: off). */
  kfold: number;
}

/** One `--sweep key=v1,v2` axis: option name and the values it takes. */
export interface SweepAxis {
  key: SweepKey;
  values: unknown[];
}

/** Option names that sweeps may vary, in the CLI's spelling. */
export const SWEEP_KEYS = [
  'ngram',
  'min-df',
  'max-df',
  'max-features',
  'sublinear-tf',
  'norm',
  'alpha',
  'nb',
  'hashing',
  'seed',
] as const;
export type SweepKey = (typeof SWEEP_KEYS)[number];

/** Flat metrics a sweep can rank runs by (see metrics.ts). */
export const RANKING_METRICS = [
  'accuracy',
  'log_loss',
  'macro_f1',
  'macro_precision',
  'macro_recall',
  'weighted_f1',
  'weighted_precision',
  'weighted_recall',
] as const;

/**
 * Sentio's defaults: the configuration the project benchmarks against
 * scikit-learn (TfidfVectorizer(ngram_range=(1,2), min_df=2,
 * sublinear_tf=True) + MultinomialNB(alpha=1)), so a bare `sentio train`
 * gives a strong baseline. `min_df` applies in vocabulary mode only.
 */
export const DEFAULTS = {
  ngram: [1, 2] as [number, number],
  minDf: 2,
  sublinearTf: true,
  norm: 'l2' as Norm,
  alpha: 1,
  nb: 'multinomial' as ClassifierKind,
  seed: 42,
  textColumn: 'text',
  labelColumn: 'label',
  testFraction: 0.2,
  metric: 'accuracy',
  register: 'best' as RegisterMode,
  kfold: 0,
};

/** Raw option values as commander or a config file give them (camelCase keys). */
export type RawOptions = Record<string, unknown>;

function bad(option: string, message: string): SentioError {
  return new SentioError('TRAIN_BAD_OPTION', `--${option}: ${message}`, { option });
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : String(v);
}

/** A finite number from a flag string or a config value. */
export function parseNumber(option: string, v: unknown): number {
  const n = typeof v === 'number' ? v : Number(str(v));
  if (typeof v === 'boolean' || str(v) === '' || !Number.isFinite(n)) {
    throw bad(option, `expected a number, got "${str(v)}"`);
  }
  return n;
}

/** A whole number, optionally with a lower bound. */
export function parseInteger(option: string, v: unknown, min = Number.MIN_SAFE_INTEGER): number {
  const n = parseNumber(option, v);
  if (!Number.isInteger(n)) throw bad(option, `expected a whole number, got "${str(v)}"`);
  if (n < min) throw bad(option, `must be at least ${min}, got ${n}`);
  return n;
}

/** `1-2`, `1,2`, `[1, 2]` or a single `1` (unigrams only). */
export function parseNgram(v: unknown): [number, number] {
  let parts: unknown[];
  if (Array.isArray(v)) parts = v;
  else if (typeof v === 'number') parts = [v, v];
  else parts = str(v).split(/\s*[-,:]\s*/);
  if (parts.length === 1) parts = [parts[0], parts[0]];
  if (parts.length !== 2) throw bad('ngram', `expected MIN-MAX such as 1-2, got "${str(v)}"`);
  const lo = parseInteger('ngram', parts[0], 1);
  const hi = parseInteger('ngram', parts[1], 1);
  if (lo > hi) throw bad('ngram', `MIN must not exceed MAX, got ${lo}-${hi}`);
  return [lo, hi];
}

/** `--hashing BITS`: `20`, `2^20`, or the bucket count `1048576`. */
export function parseHashing(v: unknown): number {
  const s = str(v);
  const pow = /^2\s*(?:\^|\*\*)\s*(\d+)$/.exec(s);
  let bits: number;
  if (pow) bits = Number(pow[1]);
  else {
    const n = parseInteger('hashing', v, 1);
    if (n <= 28) bits = n;
    else if (Number.isInteger(Math.log2(n))) bits = Math.log2(n);
    else throw bad('hashing', `expected BITS (1..28), 2^BITS or a power of two, got "${s}"`);
  }
  if (!(bits >= 1 && bits <= 28)) throw bad('hashing', `BITS must be in 1..28, got ${bits}`);
  return bits;
}

export function parseDocFreq(option: 'min-df' | 'max-df', v: unknown): number {
  const n = parseNumber(option, v);
  if (n <= 0) throw bad(option, `must be positive, got ${n}`);
  if (n > 1 && !Number.isInteger(n)) {
    throw bad(option, `a proportion must be at most 1 and a count a whole number, got ${n}`);
  }
  return n;
}

export function parseNorm(v: unknown): Norm {
  const s = str(v).toLowerCase();
  if (s === 'l2' || s === 'l1' || s === 'none') return s;
  throw bad('norm', `expected l2, l1 or none, got "${str(v)}"`);
}

export function parseNb(v: unknown): ClassifierKind {
  const s = str(v).toLowerCase();
  if (s === 'multinomial' || s === 'complement') return s;
  throw bad('nb', `expected multinomial or complement, got "${str(v)}"`);
}

export function parseBoolean(option: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  const s = str(v).toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(s)) return true;
  if (['false', 'no', 'off', '0'].includes(s)) return false;
  throw bad(option, `expected true or false, got "${str(v)}"`);
}

export function parseAlpha(v: unknown): number {
  const a = parseNumber('alpha', v);
  if (a < 0) throw bad('alpha', `must not be negative, got ${a}`);
  return a;
}

/** `--tag k=v` (repeatable) or a `{k: v}` map from a config file. */
export function parseTags(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, str(x)]));
  }
  const out: Record<string, string> = {};
  for (const item of Array.isArray(v) ? v : [v]) {
    const s = str(item);
    const eq = s.indexOf('=');
    if (eq <= 0) throw bad('tag', `expected KEY=VALUE, got "${s}"`);
    out[s.slice(0, eq).trim()] = s.slice(eq + 1).trim();
  }
  return out;
}

/** Parse one value of a sweepable option into its typed form. */
export function parseModelOption(key: SweepKey, v: unknown): unknown {
  switch (key) {
    case 'ngram':
      return parseNgram(v);
    case 'min-df':
      return parseDocFreq('min-df', v);
    case 'max-df':
      return parseDocFreq('max-df', v);
    case 'max-features':
      return parseInteger('max-features', v, 1);
    case 'sublinear-tf':
      return parseBoolean('sublinear-tf', v);
    case 'norm':
      return parseNorm(v);
    case 'alpha':
      return parseAlpha(v);
    case 'nb':
      return parseNb(v);
    case 'hashing':
      return parseHashing(v);
    case 'seed':
      return parseInteger('seed', v, 0);
  }
}

/** camelCase field of ModelOptions for a sweep key. */
export function modelField(key: SweepKey): keyof ModelOptions {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof ModelOptions;
}

const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Model and experiment names: letters, digits, `.`, `_`, `-` (no `@`, it starts a ref). */
export function parseName(option: string, v: unknown): string {
  const s = str(v);
  if (!VALID_NAME.test(s)) {
    throw bad(option, `expected a name of letters, digits, ".", "_" or "-" (max 128), got "${s}"`);
  }
  return s;
}

/**
 * Resolve CLI flags over config-file values over defaults into validated
 * TrainOptions. `cli` and `file` use camelCase keys; undefined means unset.
 * `parseSweep` turns the raw sweep entries into axes (see sweep.ts).
 */
export function resolveTrainOptions(
  cli: RawOptions,
  file: RawOptions,
  parseSweep: (raw: unknown) => SweepAxis[],
): TrainOptions {
  const pick = (key: string): unknown => (cli[key] !== undefined ? cli[key] : file[key]);
  const data = pick('data');
  if (data === undefined || str(data) === '') {
    throw new SentioError('CLI_USAGE', 'missing --data FILE (or `data:` in the config file)');
  }
  const modelName = pick('model');
  if (modelName === undefined) {
    throw new SentioError('CLI_USAGE', 'missing --model NAME (or `model:` in the config file)');
  }
  const model = parseName('model', modelName);
  const opt = <T>(key: string, parse: (v: unknown) => T, fallback: T): T => {
    const v = pick(key);
    return v === undefined ? fallback : parse(v);
  };
  const optional = <T>(key: string, parse: (v: unknown) => T): T | undefined => {
    const v = pick(key);
    return v === undefined || v === null ? undefined : parse(v);
  };
  const testFraction = opt(
    'testFraction',
    (v) => parseNumber('test-fraction', v),
    DEFAULTS.testFraction,
  );
  if (!(testFraction > 0 && testFraction < 1)) {
    throw bad('test-fraction', `must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const metric = opt('metric', str, DEFAULTS.metric);
  if (!(RANKING_METRICS as readonly string[]).includes(metric)) {
    throw bad('metric', `expected one of ${RANKING_METRICS.join(', ')}, got "${metric}"`);
  }
  const register = opt('register', (v) => str(v).toLowerCase(), DEFAULTS.register);
  if (register !== 'best' && register !== 'all') {
    throw bad('register', `expected best or all, got "${register}"`);
  }
  const kfold = opt('kfold', (v) => parseInteger('kfold', v, 0), DEFAULTS.kfold);
  if (kfold === 1) throw bad('kfold', 'needs at least 2 folds (0 turns it off)');
  const test = optional('test', str);
  const options: TrainOptions = {
    data: str(data),
    ...(test ? { test } : {}),
    model,
    textColumn: opt('textColumn', str, DEFAULTS.textColumn),
    labelColumn: opt('labelColumn', str, DEFAULTS.labelColumn),
    testFraction,
    seed: opt('seed', (v) => parseInteger('seed', v, 0), DEFAULTS.seed),
    experiment: opt('experiment', (v) => parseName('experiment', v), model),
    tags: parseTags(pick('tag') ?? pick('tags')),
    sweep: parseSweep(pick('sweep')),
    metric,
    register,
    kfold,
    ngram: opt('ngram', parseNgram, DEFAULTS.ngram),
    sublinearTf: opt('sublinearTf', (v) => parseBoolean('sublinear-tf', v), DEFAULTS.sublinearTf),
    norm: opt('norm', parseNorm, DEFAULTS.norm),
    alpha: opt('alpha', parseAlpha, DEFAULTS.alpha),
    nb: opt('nb', parseNb, DEFAULTS.nb),
  };
  const description = optional('description', str);
  if (description !== undefined) options.description = description;
  const minDf = optional('minDf', (v) => parseDocFreq('min-df', v));
  const maxDf = optional('maxDf', (v) => parseDocFreq('max-df', v));
  const maxFeatures = optional('maxFeatures', (v) => parseInteger('max-features', v, 1));
  const hashing = optional('hashing', parseHashing);
  if (minDf !== undefined) options.minDf = minDf;
  if (maxDf !== undefined) options.maxDf = maxDf;
  if (maxFeatures !== undefined) options.maxFeatures = maxFeatures;
  if (hashing !== undefined) options.hashing = hashing;
  checkModelOptions(options);
  return options;
}

/** Combinations the engine refuses, caught early with the flag names. */
export function checkModelOptions(o: ModelOptions): void {
  if (o.hashing !== undefined) {
    for (const [field, flag] of [
      ['minDf', 'min-df'],
      ['maxDf', 'max-df'],
      ['maxFeatures', 'max-features'],
    ] as const) {
      if (o[field] !== undefined) {
        throw bad(flag, 'not available with --hashing (hashed buckets have no terms to prune)');
      }
    }
  }
}

/** The engine TrainConfig for model options (vocabulary-mode min_df defaults to 2). */
export function toEngineConfig(o: ModelOptions): TrainConfig {
  const config: {
    -readonly [K in keyof TrainConfig]: TrainConfig[K];
  } = {
    ngram_range: [o.ngram[0], o.ngram[1]],
    sublinear_tf: o.sublinearTf,
    norm: o.norm,
    alpha: o.alpha,
    classifier: o.nb,
  };
  if (o.hashing !== undefined) {
    config.hashing = { bits: o.hashing };
  } else {
    config.min_df = o.minDf ?? DEFAULTS.minDf;
    if (o.maxDf !== undefined) config.max_df = o.maxDf;
    if (o.maxFeatures !== undefined) config.max_features = o.maxFeatures;
  }
  return config;
}

/** The model options as plain params for run tracking (unset options left out). */
export function modelParams(o: ModelOptions): Record<string, unknown> {
  const params: Record<string, unknown> = { ngram: `${o.ngram[0]}-${o.ngram[1]}` };
  if (o.hashing === undefined) params.min_df = o.minDf ?? DEFAULTS.minDf;
  if (o.maxDf !== undefined) params.max_df = o.maxDf;
  if (o.maxFeatures !== undefined) params.max_features = o.maxFeatures;
  if (o.hashing !== undefined) params.hashing = o.hashing;
  Object.assign(params, {
    sublinear_tf: o.sublinearTf,
    norm: o.norm,
    alpha: o.alpha,
    nb: o.nb,
    seed: o.seed,
  });
  return params;
}
