/**
 * Builders of what the prediction logger is handed and writes, for the
 * logger and column tests and the log-writers bench
 * (bench/serve/log-writers.mjs): a PredictionBlock as the server's event
 * loop builds it, a PredictionColumns block as the logger hands a backend,
 * and a backend that keeps what it is given in memory.
 * @module
 */
import { createHash } from 'node:crypto';
import type {
  MonitorBackend,
  PredictionBlock,
  PredictionColumns,
  PredictionRow,
  TokenBucket,
} from '../types.js';

/** The stream of every builder's rows (model version, environment, arm), its classes a fresh array. */
const stream = () => ({
  model: 'm',
  version: 1,
  env: 'production',
  arm: 'stable' as const,
  classes: ['neg', 'pos'],
});

/** The first row's time (ms since the epoch); row i of a builder is `AT0 + first + i`. */
export const AT0 = 1_700_000_000_000;

/**
 * A block of `texts` as the server's event loop builds it: typed columns,
 * texts as UTF-8 bytes, in buffers longer than the block (as the server's
 * reused buffers are: what lies past `length` must be ignored). Row i: id
 * `b${first + i}`, label index i % 2, probabilities (0.75 − i/100,
 * 0.25 + i/100), latency 0.5 + i ms; `over` replaces any of it.
 */
export function predictionBlock(
  texts: readonly string[],
  over: Partial<PredictionBlock> = {},
  first = 0,
): PredictionBlock {
  const n = texts.length;
  const enc = texts.map((t) => new TextEncoder().encode(t));
  const bytes = new Uint8Array(enc.reduce((a, b) => a + b.length, 0) + 7);
  const ends = new Uint32Array(n + 3);
  let off = 0;
  enc.forEach((b, i) => {
    bytes.set(b, off);
    off += b.length;
    ends[i] = off;
  });
  return {
    ...stream(),
    length: n,
    ids: texts.map((_, i) => `b${first + i}`),
    at: Float64Array.from(texts, (_, i) => AT0 + first + i),
    labels: Uint16Array.from(texts, (_, i) => i % 2),
    probabilities: Float64Array.from({ length: 2 * n + 4 }, (_, j) =>
      j % 2 ? 0.25 + (j >> 1) / 100 : 0.75 - (j >> 1) / 100,
    ),
    latencyMs: Float64Array.from(texts, (_, i) => 0.5 + i),
    textLengths: Uint32Array.from(texts, (t) => t.length),
    textBytes: bytes,
    textEnds: ends,
    ...over,
  };
}

/**
 * A column block of `n` rows as the logger hands a backend. Row i: id
 * `p${first + i}`, label neg / pos alternately, class c's probability
 * (c + 1) / (k + 1) of k classes, the hash of text `t${first + i}`, tokens 10 + i and i
 * out-of-vocabulary (−1, not measured, every third row from the first);
 * `over` replaces any of it.
 */
export function columnBlock(
  over: Partial<PredictionColumns> = {},
  n = 2,
  first = 0,
): PredictionColumns {
  const k = over.classes?.length ?? 2;
  const rows = { length: n };
  return {
    ...stream(),
    length: n,
    ids: Array.from(rows, (_, i) => `p${first + i}`),
    at: Float64Array.from(rows, (_, i) => AT0 + first + i),
    labels: Array.from(rows, (_, i) => (i % 2 ? 'pos' : 'neg')),
    confidence: Float64Array.from(rows, () => 0.6),
    probabilities: Float64Array.from({ length: k * n }, (_, j) => ((j % k) + 1) / (k + 1)),
    latencyMs: Float64Array.from(rows, (_, i) => i / 3),
    textLength: Uint32Array.from(rows, (_, i) => i),
    text: null,
    textSha256: Array.from(rows, (_, i) =>
      createHash('sha256')
        .update(`t${first + i}`)
        .digest('hex'),
    ),
    tokens: Int32Array.from(rows, (_, i) => (i % 3 === 0 ? -1 : 10 + i)),
    oovTokens: Int32Array.from(rows, (_, i) => (i % 3 === 0 ? -1 : i)),
    ...over,
  };
}

/** A backend that keeps the rows and token buckets it is asked to write. */
export function memoryBackend(): {
  backend: MonitorBackend;
  rows: PredictionRow[];
  buckets: TokenBucket[];
} {
  const rows: PredictionRow[] = [];
  const buckets: TokenBucket[] = [];
  const backend = {
    kind: 'memory',
    location: 'memory',
    async writeBatch(r: readonly PredictionRow[], b: readonly TokenBucket[]) {
      rows.push(...r);
      buckets.push(...b);
      return r.length;
    },
    async close() {},
  } as unknown as MonitorBackend;
  return { backend, rows, buckets };
}
