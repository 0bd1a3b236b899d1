/**
 * `trainAndRegister`: the training pipeline behind `sentio train` and
 * `sentio demo`.
 *
 *   load + validate data  →  (store opened only now: bad input writes nothing)
 *   per grid point: createRun → [k-fold CV] → fit → evaluate → artifacts
 *   register: put artifacts (atomic, content-addressed) → registerVersion,
 *             which also closes the run (one transaction)
 *
 * Crash safety comes from that order: a process killed before
 * registerVersion leaves at most orphan artifacts (removed by `sentio gc`)
 * and a run still marked running with no model or version; a version only
 * exists once every artifact it points to is on disk.
 * @module
 */
import path from 'node:path';
import { type Dataset, type DatasetFingerprint, loadDataset } from '../data/index.js';
import { type Engine, loadEngine } from '../engine/index.js';
import { hasCode, SentioError } from '../errors/index.js';
import { openRegistry, type Registry, type RunRecord } from '../registry/index.js';
import { ARTIFACT_NAMES, type ArtifactName, type CvSummary } from './artifact-files.js';
import { checkInterrupted } from './fit.js';
import { isBetter } from './metrics.js';
import { type ModelOptions, modelParams, type TrainOptions, toEngineConfig } from './options.js';
import { type ProgressFactory, silentProgress } from './progress.js';
import { type Partition, type PointResult, runPoint } from './run-point.js';
import { stratifiedSplit } from './split.js';
import { applyPoint, expandGrid, type GridPoint } from './sweep.js';

export interface TrainRequest {
  options: TrainOptions;
  /** Store directory (opened after the data has been validated) or an open registry. */
  store: string | Registry;
  /** In-memory datasets instead of reading `options.data` / `options.test`. */
  inline?: { train: Dataset; test?: Dataset };
  engine?: Engine;
  progress?: ProgressFactory;
  /** One-line status messages for humans (the CLI prints them on stderr). */
  log?: (line: string) => void;
  /**
   * Abort (Ctrl-C): training stops at the next chunk, the current run is
   * recorded as failed (TRAIN_INTERRUPTED) and nothing more is registered.
   */
  signal?: AbortSignal;
}

/** One run of the grid and what became of it. */
export interface RunOutcome {
  runId: string;
  /** Sweep values, e.g. `alpha=0.5 ngram=1-2` (empty without a sweep). */
  label: string;
  params: Record<string, unknown>;
  status: 'finished' | 'failed';
  error: { code: string; message: string } | null;
  metrics: Record<string, number>;
  result: Omit<PointResult, 'artifacts'> | null;
  /** Set once registered: artifact hashes and the version (created or existing). */
  registered: {
    version: number;
    created: boolean;
    createdAt: string;
    modelSha256: string;
    artifacts: Record<string, string>;
  } | null;
}

export interface TrainResult {
  model: string;
  experiment: string;
  store: string;
  engine: { backend: string; version: string };
  data: {
    train: DatasetFingerprint;
    test: DatasetFingerprint | null;
    skipped: Record<string, number>;
  };
  /** The metric runs are ranked by (`cv_<m>_mean` with --kfold). */
  rankMetric: string;
  runs: RunOutcome[];
  /** The best run (registered in both register modes). */
  best: RunOutcome;
  timings: { loadMs: number; totalMs: number };
}

function errorInfo(e: unknown): { code: string; message: string } {
  if (hasCode(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

async function loadData(req: TrainRequest, progress: ProgressFactory) {
  const o = req.options;
  if (req.inline) return { train: req.inline.train, test: req.inline.test ?? null };
  const read = async (file: string): Promise<Dataset> => {
    let bar: ReturnType<ProgressFactory> | undefined;
    const ds = await loadDataset(file, {
      textColumn: o.textColumn,
      labelColumn: o.labelColumn,
      onProgress: (done, total) => {
        bar ??= progress(`loading ${path.basename(file)}`, Math.ceil(total / 1024), 'kB');
        bar.update(Math.floor(done / 1024));
      },
    });
    bar?.done();
    return ds;
  };
  const train = await read(o.data);
  const test = o.test ? await read(o.test) : null;
  return { train, test };
}

function pick<T>(rows: readonly number[], from: readonly T[]): T[] {
  return rows.map((i) => from[i] as T);
}

/** The train/eval rows for a seed (a split of `train`, or all of it plus `test`). */
function partitionFor(
  train: Dataset,
  test: Dataset | null,
  o: TrainOptions,
  seed: number,
): Partition {
  if (test) {
    return {
      trainTexts: train.texts,
      trainLabels: train.labels,
      evalTexts: test.texts,
      evalLabels: test.labels,
      evalLines: test.lines,
      evalSet: { kind: 'file', path: test.fingerprint.path },
    };
  }
  const split = stratifiedSplit(train.labels, o.testFraction, seed);
  return {
    trainTexts: pick(split.train, train.texts),
    trainLabels: pick(split.train, train.labels),
    evalTexts: pick(split.test, train.texts),
    evalLabels: pick(split.test, train.labels),
    evalLines: pick(split.test, train.lines),
    evalSet: { kind: 'split', fraction: o.testFraction, seed },
  };
}

/** Reject option combinations the engine refuses before anything is written. */
function validateConfigs(engine: Engine, points: readonly ModelOptions[]): void {
  for (const p of points) {
    try {
      engine.createTrainer(toEngineConfig(p));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new SentioError('TRAIN_BAD_OPTION', `invalid training options: ${message}`);
    }
  }
}

/** Put every artifact (atomic, verified by the store), then register the version. */
async function register(
  reg: Registry,
  o: TrainOptions,
  outcome: RunOutcome,
  artifacts: Map<ArtifactName, Uint8Array>,
  dataset: unknown,
): Promise<void> {
  const hashes: Record<string, string> = {};
  for (const name of ARTIFACT_NAMES) {
    const bytes = artifacts.get(name);
    if (bytes) hashes[name] = await reg.artifacts.put(bytes, { kind: name });
  }
  const modelSha256 = hashes.model as string;
  const { version, created } = await reg.registerVersion({
    model: o.model,
    modelSha256,
    artifacts: hashes,
    runId: outcome.runId,
    metrics: versionMetrics(outcome.metrics),
    config: outcome.result?.config ?? null,
    dataset,
    ...(o.description !== undefined ? { description: o.description } : {}),
    tags: o.tags,
    finishRun: true,
  });
  outcome.registered = {
    version: version.version,
    created,
    createdAt: version.createdAt,
    modelSha256: version.modelSha256,
    artifacts: version.artifacts,
  };
}

/** Version metrics: evaluation and CV metrics, without run timings. */
function versionMetrics(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !k.endsWith('_seconds')));
}

/** Train, evaluate, store and register; see the module comment for the order of writes. */
export async function trainAndRegister(req: TrainRequest): Promise<TrainResult> {
  const t0 = performance.now();
  const o = req.options;
  const progress = req.progress ?? silentProgress;
  const log = req.log ?? (() => {});
  const engine = req.engine ?? (await loadEngineOrFail());
  const grid = expandGrid(o.sweep);
  const points = grid.map((g) => applyPoint<ModelOptions>(o, g));
  validateConfigs(engine, points);

  const { train, test } = await loadData(req, progress);
  const loadMs = performance.now() - t0;
  const skipped = { ...train.stats.skippedReasons };
  for (const [why, n] of Object.entries(test?.stats.skippedReasons ?? {})) {
    skipped[why] = (skipped[why] ?? 0) + n;
  }
  log(
    `data: ${train.texts.length} training rows from ${train.fingerprint.path}` +
      (test ? `, ${test.texts.length} test rows from ${test.fingerprint.path}` : '') +
      (train.stats.skipped + (test?.stats.skipped ?? 0) > 0
        ? ` (skipped: ${Object.entries(skipped)
            .map(([w, n]) => `${n} ${w}`)
            .join(', ')})`
        : ''),
  );
  if (o.kfold > train.texts.length) {
    throw new SentioError(
      'TRAIN_BAD_OPTION',
      `--kfold ${o.kfold} exceeds the ${train.texts.length} rows`,
    );
  }

  const reg = typeof req.store === 'string' ? await openRegistry(req.store) : req.store;
  try {
    const runs = await runGrid(req, engine, reg, grid, points, train, test, progress, log);
    const rankMetric = o.kfold >= 2 ? `cv_${o.metric}_mean` : o.metric;
    const best = runs.find((r) => r.registered !== null && r.result !== null) ?? null;
    if (!best) {
      // Every run failed: report the first failure.
      const first = runs.find((r) => r.error);
      throw new SentioError(
        first?.error?.code ?? 'TRAIN_FAILED',
        runs.length > 1
          ? `all ${runs.length} runs failed; first: ${first?.error?.message}`
          : (first?.error?.message ?? 'training failed'),
        { runs: runs.map((r) => r.runId) },
      );
    }
    const bestByMetric = runs.reduce<RunOutcome | null>(
      (acc, r) => (r.result && isBetter(r.metrics, acc?.metrics, rankMetric) ? r : acc),
      null,
    );
    return {
      model: o.model,
      experiment: o.experiment,
      store: reg.location,
      engine: { backend: engine.backend, version: engine.version },
      data: { train: train.fingerprint, test: test?.fingerprint ?? null, skipped },
      rankMetric,
      runs,
      best: bestByMetric?.registered ? bestByMetric : best,
      timings: { loadMs, totalMs: performance.now() - t0 },
    };
  } finally {
    if (typeof req.store === 'string') await reg.close();
  }
}

async function loadEngineOrFail(): Promise<Engine> {
  try {
    return await loadEngine();
  } catch (e) {
    throw new SentioError('ENGINE_UNAVAILABLE', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Run every grid point as a tracked run. With --register all each run is
 * registered as it finishes; otherwise only the current best is kept
 * pending (its run stays "running" until it is registered or beaten).
 */
async function runGrid(
  req: TrainRequest,
  engine: Engine,
  reg: Registry,
  grid: readonly GridPoint[],
  points: readonly ModelOptions[],
  train: Dataset,
  test: Dataset | null,
  progress: ProgressFactory,
  log: (line: string) => void,
): Promise<RunOutcome[]> {
  const o = req.options;
  const rankMetric = o.kfold >= 2 ? `cv_${o.metric}_mean` : o.metric;
  const dataset = {
    train: train.fingerprint,
    test: test?.fingerprint ?? null,
    split: test ? null : { test_fraction: o.testFraction },
  };
  const partitions = new Map<number, Partition>();
  const outcomes: RunOutcome[] = [];
  let pending: { outcome: RunOutcome; artifacts: Map<ArtifactName, Uint8Array> } | null = null;
  const sweepTags: Record<string, string> = grid.length > 1 ? { sweep: `${grid.length} runs` } : {};

  for (const [i, g] of grid.entries()) {
    try {
      checkInterrupted(req.signal);
    } catch (e) {
      if (pending) await reg.finishRun(pending.outcome.runId, 'finished');
      throw e;
    }
    const point = points[i] as ModelOptions;
    let partition = partitions.get(point.seed);
    if (!partition) {
      partition = partitionFor(train, test, o, point.seed);
      partitions.set(point.seed, partition);
    }
    const params: Record<string, unknown> = {
      // The sweep values first: what tells the runs of a grid apart.
      ...(grid.length > 1 ? { sweep: g.label, sweep_index: i } : {}),
      ...modelParams(point),
      data: train.fingerprint.path,
      ...(test ? { test: test.fingerprint.path } : { test_fraction: o.testFraction }),
      text_column: o.textColumn,
      label_column: o.labelColumn,
      ...(o.kfold ? { kfold: o.kfold } : {}),
      engine: engine.backend,
    };
    const run: RunRecord = await reg.createRun({
      experiment: o.experiment,
      params,
      tags: { ...o.tags, ...sweepTags },
      dataset: {
        ...dataset,
        split: test ? null : { test_fraction: o.testFraction, seed: point.seed },
      },
    });
    const outcome: RunOutcome = {
      runId: run.id,
      label: g.label,
      params,
      status: 'finished',
      error: null,
      metrics: {},
      result: null,
      registered: null,
    };
    outcomes.push(outcome);
    const prefix = grid.length > 1 ? `[${i + 1}/${grid.length}] ` : '';
    let artifacts: Map<ArtifactName, Uint8Array>;
    try {
      const r = await runPoint({
        engine,
        options: o,
        point,
        partition,
        train: train.fingerprint,
        test: test?.fingerprint ?? null,
        runId: run.id,
        startedAt: run.startedAt,
        sentioVersion: run.sentioVersion,
        progress,
        prefix,
        ...(req.signal ? { signal: req.signal } : {}),
      });
      const { artifacts: a, ...result } = r;
      artifacts = a;
      outcome.result = result;
      outcome.metrics = {
        ...r.metrics,
        fit_seconds: r.timings.fitMs / 1000,
        eval_seconds: r.timings.evalMs / 1000,
        ...(r.cv ? { cv_seconds: r.timings.cvMs / 1000 } : {}),
      };
      await reg.logMetrics(run.id, outcome.metrics);
      if (grid.length > 1) {
        log(`${prefix}${g.label}: ${rankMetric} ${fmt(outcome.metrics[rankMetric])}`);
      }
    } catch (e) {
      outcome.status = 'failed';
      outcome.error = errorInfo(e);
      await reg.finishRun(run.id, 'failed', {
        error: `${outcome.error.code}: ${outcome.error.message}`,
      });
      log(`${prefix}${g.label ? `${g.label}: ` : ''}failed: ${outcome.error.message}`);
      if (outcome.error.code === 'TRAIN_INTERRUPTED') {
        // The best run so far stays unregistered: the sweep did not complete.
        if (pending) await reg.finishRun(pending.outcome.runId, 'finished');
        throw e;
      }
      if (grid.length === 1) throw e;
      continue;
    }

    if (o.register === 'all') {
      await registerAndFinish(reg, o, outcome, artifacts, dataset);
    } else if (!pending || isBetter(outcome.metrics, pending.outcome.metrics, rankMetric)) {
      if (pending) await reg.finishRun(pending.outcome.runId, 'finished');
      pending = { outcome, artifacts };
    } else {
      await reg.finishRun(run.id, 'finished');
    }
  }
  if (pending) await registerAndFinish(reg, o, pending.outcome, pending.artifacts, dataset);
  return outcomes;
}

async function registerAndFinish(
  reg: Registry,
  o: TrainOptions,
  outcome: RunOutcome,
  artifacts: Map<ArtifactName, Uint8Array>,
  dataset: unknown,
): Promise<void> {
  try {
    await register(reg, o, outcome, artifacts, dataset);
  } catch (e) {
    outcome.status = 'failed';
    outcome.error = errorInfo(e);
    await reg.finishRun(outcome.runId, 'failed', {
      error: `${outcome.error.code}: ${outcome.error.message}`,
    });
    throw e;
  }
  // registerVersion closed the run in its own transaction (finishRun: true).
}

function fmt(x: number | undefined): string {
  return x === undefined ? '–' : x.toFixed(4);
}

export type { CvSummary };
