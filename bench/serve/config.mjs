// What the server benchmark measures: data, model config, load shapes,
// durations per profile, and the targets.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATA_DIR =
  process.env.SENTIO_BENCH_DATA ?? path.resolve(REPO_ROOT, '..', 'shared', 'data', 'imdb');
export const TRAIN_CSV = path.join(DATA_DIR, 'train.csv');
export const TEST_CSV = path.join(DATA_DIR, 'test.csv');
export const MODEL = 'imdb';

/** Same model config as the engine benchmark and the FastAPI + scikit-learn peer. */
export const MODEL_CONFIG = Object.freeze({
  ngram_range: [1, 2],
  sublinear_tf: true,
  min_df: 2,
  alpha: 1,
});

/** The review text every request carries: ~1.3 KB (bytes of JSON string content). */
export const TEXT_BYTES = { min: 1250, max: 1350 };

export const PROFILES = Object.freeze({
  full: {
    name: 'full',
    rounds: 3,
    seconds: 10,
    warmupSeconds: 2,
    restConnections: 100,
    wsClients: 50,
    wsInFlight: 10,
    batchTexts: 100,
    batchClients: 8,
    batchInFlight: 2,
    swapMoves: 20,
    swapEveryMs: 2000,
    sklearn: true,
    postgres: true,
    writerRows: 200_000,
    writerRepeats: 3,
  },
  quick: {
    name: 'quick',
    rounds: 1,
    seconds: 3,
    warmupSeconds: 1,
    restConnections: 100,
    wsClients: 50,
    wsInFlight: 10,
    batchTexts: 100,
    batchClients: 8,
    batchInFlight: 2,
    swapMoves: 5,
    swapEveryMs: 500,
    sklearn: false,
    postgres: true,
    writerRows: 50_000,
    writerRepeats: 2,
  },
});

/** The performance targets. */
export const TARGETS = Object.freeze({
  rest_vs_fastify_echo: { min: 0.8, text: '≥ 80% of the Fastify echo req/s' },
  rest_p99_ms: { below: 10, text: 'p99 < 10 ms' },
  rest_vs_sklearn: { min: 100, text: '≥ 100× the FastAPI + scikit-learn req/s' },
  ws_vs_ws_echo: { min: 0.7, text: '≥ 70% of the ws echo round trips/s' },
  ws_batch_predictions: { minAbs: 250_000, text: '≥ 250k predictions/s per process' },
  swap_failures: { maxAbs: 0, text: 'zero failed requests during 20 alias moves' },
  logging_cost: {
    min: 0.9,
    text: 'prediction logging + drift accounting cost < 10% of throughput (worst of REST, WS, WS batch)',
  },
  postgres_logging: {
    maxAbs: 0,
    text: 'prediction logging to PostgreSQL sustains the server’s throughput (no prediction dropped or lost, every workload)',
  },
});
