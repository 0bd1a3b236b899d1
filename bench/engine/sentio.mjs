// Sentio measured through the engine API (dist/engine/index.js), native
// (N-API) and WASM-in-Node, in this process.
import { Bench } from 'tinybench';
import { loadEngine } from '../../dist/engine/index.js';
import { collectGarbage, percentileSorted, summarize, timed } from '../lib/stats.mjs';
import { accuracy } from './data.mjs';

export async function loadEngines() {
  const native = await loadEngine({ backend: 'native' });
  const wasm = await loadEngine({ backend: 'wasm' });
  return { native, wasm };
}

/**
 * One training (vectorize + fit, engine.train: trainAsync on native) after a
 * garbage collection: the model, wall seconds and this process's CPU seconds
 * (user + system, all its threads).
 */
export async function trainOnce(engine, config, train) {
  collectGarbage();
  const cpu0 = process.cpuUsage();
  const [model, seconds] = await timed(() => engine.train(config, train.texts, train.labels));
  const cpu = process.cpuUsage(cpu0);
  return { model, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Training (see trainOnce) `repeats` times; keeps the last model. */
export async function measureTraining(engine, config, train, repeats, log) {
  const seconds = [];
  const cpuSeconds = [];
  let model = null;
  for (let r = 0; r < repeats; r++) {
    model?.dispose();
    model = null;
    const run = await trainOnce(engine, config, train);
    seconds.push(run.seconds);
    cpuSeconds.push(run.cpuSeconds);
    model = run.model;
    log?.(
      `${engine.backend} train ${r + 1}/${repeats}: ${run.seconds.toFixed(2)} s (CPU ${run.cpuSeconds.toFixed(2)} s)`,
    );
  }
  return { model, seconds: summarize(seconds), cpu_seconds: summarize(cpuSeconds) };
}

/**
 * Single-text latency with tinybench: `calls` calls of model.predict on test
 * texts 0..calls-1 (distinct reviews when the test set is large enough) after
 * 20 warm-up calls on texts 0..19, one sample per call, as the scikit-learn
 * peer does. Seconds.
 */
export function measureSingle(model, texts, calls, { keepSamples = false } = {}) {
  let i = 0;
  const n = texts.length;
  const bench = new Bench({
    iterations: calls,
    time: 0,
    warmupIterations: 20,
    warmupTime: 0,
    retainSamples: true,
    timestampProvider: 'hrtimeNow',
    throws: true,
  });
  bench.add(
    'predict',
    () => {
      model.predict(texts[i % n]);
      i++;
    },
    {
      beforeAll() {
        i = 0;
        collectGarbage();
      },
    },
  );
  bench.runSync();
  const lat = bench.tasks[0].result.latency; // milliseconds
  const s = lat.samples;
  return {
    n_calls: lat.samplesCount,
    distinct_texts: Math.min(calls, n),
    warmup_calls: 20,
    tool: 'tinybench (runSync, hrtime timestamps, one sample per call)',
    median: lat.p50 / 1e3,
    p10: percentileSorted(s, 10) / 1e3,
    p90: percentileSorted(s, 90) / 1e3,
    p99: lat.p99 / 1e3,
    mean: lat.mean / 1e3,
    min: lat.min / 1e3,
    max: lat.max / 1e3,
    ...(keepSamples ? { samples: Array.from(s, (ms) => ms / 1e3) } : {}),
  };
}

/**
 * Rounds of measureSingle (with samples) on one side, as one measurement:
 * the statistics over every call of every round. Seconds.
 */
export function mergeSingles(runs) {
  const all = runs.flatMap((r) => r.samples);
  const { n, median, p10, p90, mean, min, max } = summarize(all, { keepAll: false });
  const first = runs[0];
  return {
    n_calls: n,
    rounds: runs.length,
    distinct_texts: first.distinct_texts,
    warmup_calls: first.warmup_calls,
    tool: first.tool,
    median,
    p10,
    p90,
    p99: percentileSorted(
      all.sort((a, b) => a - b),
      99,
    ),
    mean,
    min,
    max,
  };
}

/**
 * Predicted class names of a BatchPrediction: `labelNames` (names) with
 * `labels` as class indices, or (older engine API) `labels` as names.
 */
export function predictedNames(model, batch) {
  if (Array.isArray(batch.labelNames)) return batch.labelNames;
  if (batch.length > 0 && typeof batch.labels[0] === 'string') return batch.labels;
  return Array.from(batch.labels, (i) => model.classes[i]);
}

/** Batch prediction of every test text, `repeats` times; accuracy from the last. */
export async function measureBatch(model, test, repeats, { async = false } = {}) {
  const seconds = [];
  const cpuSeconds = [];
  let last = null;
  for (let r = 0; r < repeats; r++) {
    last = null;
    collectGarbage();
    const cpu0 = process.cpuUsage();
    const [b, s] = await timed(() =>
      async ? model.predictBatchAsync(test.texts) : model.predictBatch(test.texts),
    );
    const cpu = process.cpuUsage(cpu0);
    seconds.push(s);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
    last = b;
  }
  const sum = summarize(seconds);
  return {
    api: async ? 'predictBatchAsync' : 'predictBatch',
    n_docs: test.texts.length,
    seconds: sum,
    cpu_seconds: summarize(cpuSeconds),
    docs_per_second_median: test.texts.length / sum.median,
    docs_per_second_best: test.texts.length / sum.min,
    accuracy: accuracy(predictedNames(model, last), test.labels),
    labels: predictedNames(model, last),
  };
}

/**
 * One measureBatch result from several (of the same model and texts, e.g.
 * one-repeat runs taken alternately with another side's): every repeat's
 * times, accuracy and labels from the last.
 */
export function mergeBatches(runs) {
  const last = runs[runs.length - 1];
  const seconds = summarize(runs.flatMap((r) => r.seconds.all));
  return {
    ...last,
    seconds,
    cpu_seconds: summarize(runs.flatMap((r) => r.cpu_seconds.all)),
    docs_per_second_median: last.n_docs / seconds.median,
    docs_per_second_best: last.n_docs / seconds.min,
  };
}

/** engine.loadModel(bytes) with tinybench, `repeats` timed loads after one warm-up. Seconds. */
export function measureLoad(engine, bytes, repeats) {
  const bench = new Bench({
    iterations: repeats,
    time: 0,
    warmupIterations: 1,
    warmupTime: 0,
    retainSamples: true,
    timestampProvider: 'hrtimeNow',
    throws: true,
  });
  bench.add(
    'loadModel',
    () => {
      engine.loadModel(bytes).dispose();
    },
    { beforeEach: collectGarbage },
  );
  bench.runSync();
  const lat = bench.tasks[0].result.latency;
  return {
    api: 'engine.loadModel(bytes) (Model.fromBytes)',
    n: lat.samplesCount,
    median: lat.p50 / 1e3,
    min: lat.min / 1e3,
    max: lat.max / 1e3,
    p10: percentileSorted(lat.samples, 10) / 1e3,
    p90: percentileSorted(lat.samples, 90) / 1e3,
  };
}
