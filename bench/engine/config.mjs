// What the engine benchmark measures: data, model config, and the two
// profiles (full: the committed results; --quick: a CI-sized smoke run).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA_DIR =
  process.env.SENTIO_BENCH_DATA ?? path.resolve(REPO_ROOT, '..', 'shared', 'data', 'imdb');
export const TRAIN_CSV = path.join(DATA_DIR, 'train.csv');
export const TEST_CSV = path.join(DATA_DIR, 'test.csv');
/**
 * The second dataset of the scikit-learn comparison: Twitter US Airline
 * Sentiment (3 classes, one all.csv without an official split). By default
 * next to the imdb folder (../shared/data, or the CI dataset cache laid out
 * the same way); SENTIO_BENCH_AIRLINE_CSV names the file directly. When it is
 * missing the run goes on and the report says the comparison was skipped.
 */
export const AIRLINE_CSV =
  process.env.SENTIO_BENCH_AIRLINE_CSV ??
  path.join(path.dirname(DATA_DIR), 'airline_tweets', 'all.csv');
/** Deterministic split of AIRLINE_CSV: every 5th data row (0-based index % 5 === 4) is a test row. */
export const AIRLINE_TEST_EVERY = 5;

/** The model config every TF-IDF + NB contender is trained with (Sentio and scikit-learn). */
export const MODEL_CONFIG = Object.freeze({
  ngram_range: [1, 2],
  sublinear_tf: true,
  min_df: 2,
  alpha: 1,
});

/**
 * Profiles. nTrain / nTest: prefixes of train.csv / test.csv (the files list
 * reviews by id with the classes alternating, so every prefix is balanced);
 * null = the whole file. The pure-JS peers get their own prefixes (they are
 * slow); Sentio is trained and scored on exactly the same prefixes for the
 * side-by-side comparison with each of them. `airline`: the repeats of the
 * Sentio vs scikit-learn comparison on airline_tweets (always the whole file,
 * split as AIRLINE_TEST_EVERY says; null = leave it out of the profile).
 */
export const PROFILES = Object.freeze({
  full: {
    name: 'full',
    nTrain: null,
    nTest: null,
    sklearnRepeats: 5,
    singleCalls: 2000,
    singleRounds: 3,
    trainRepeats: 7,
    batchRepeats: 5,
    wasmBatchRepeats: 3,
    wasmTrainRepeats: 2,
    loadRepeats: 20,
    wasmLoadRepeats: 5,
    subsampleTrainRepeats: 3,
    peers: {
      bayes: { nTrain: 25000, nTest: 25000, repeats: 5, timeoutMs: 15 * 60_000 },
      wink: { nTrain: 25000, nTest: 5000, repeats: 1, timeoutMs: 20 * 60_000 },
      natural: { nTrain: 2000, nTest: 1000, repeats: 1, timeoutMs: 20 * 60_000 },
    },
    airline: { sklearnRepeats: 7, trainRepeats: 7, batchRepeats: 7, singleCalls: 2000 },
  },
  quick: {
    name: 'quick',
    nTrain: 5000,
    nTest: 5000,
    sklearnRepeats: 2,
    singleCalls: 500,
    singleRounds: 2,
    trainRepeats: 3,
    batchRepeats: 3,
    wasmBatchRepeats: 2,
    wasmTrainRepeats: 1,
    loadRepeats: 5,
    wasmLoadRepeats: 3,
    subsampleTrainRepeats: 2,
    peers: {
      bayes: { nTrain: 5000, nTest: 5000, repeats: 1, timeoutMs: 3 * 60_000 },
      wink: { nTrain: 1000, nTest: 500, repeats: 1, timeoutMs: 3 * 60_000 },
      natural: { nTrain: 300, nTest: 200, repeats: 1, timeoutMs: 3 * 60_000 },
    },
    airline: { sklearnRepeats: 3, trainRepeats: 3, batchRepeats: 5, singleCalls: 500 },
  },
});

/** The product's targets. `better`: which way the ratio must go. */
export const TARGETS = Object.freeze({
  train_vs_sklearn: { min: 20, text: '≥ 20× faster' },
  single_vs_sklearn: { min: 200, text: '≥ 200× faster' },
  batch_vs_sklearn: { min: 30, text: '≥ 30× the docs/s' },
  wasm_single_vs_native: { max: 2, text: 'WASM ≤ 2× the N-API time' },
  wasm_batch_vs_native: { max: 2, text: 'WASM ≤ 2× the N-API time' },
  peak_rss_vs_sklearn: { max: 1 / 3, text: '≤ 1/3 of scikit-learn' },
  model_size_vs_pickle: { max: 1 / 3, text: '≤ 1/3 of the pickle' },
  model_load_ms: { maxAbs: 100, text: '< 100 ms' },
  train_vs_bayes: { min: 10, text: '≥ 10× faster than bayes' },
  accuracy_vs_bayes: { text: 'higher accuracy than bayes' },
});
