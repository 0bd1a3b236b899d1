/**
 * Test fixtures for monitoring: a real IMDB model trained through the real
 * pipeline (so its version carries the real profile artifact) on a seeded
 * subsample of the shared data, registered into a temp store; and helpers
 * that feed texts through the model into a PredictionLogger as a server would.
 * Data is read from ../shared/data (SENTIO_DATA_DIR), never copied.
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Dataset, loadDataset } from '../../data/index.js';
import { type Engine, type EngineModel, loadEngine, packageRoot } from '../../engine/index.js';
import { openRegistry, type Registry } from '../../registry/index.js';
import {
  type DataProfile,
  inlineDataset,
  loadVersionModel,
  resolveTrainOptions,
  trainAndRegister,
} from '../../train/index.js';
import type { PredictionLogger } from '../logger.js';

type After = { after(fn: () => void | Promise<void>): void };

export function dataFile(...parts: string[]): string {
  const dir = process.env.SENTIO_DATA_DIR ?? path.resolve(packageRoot(), '..', 'shared', 'data');
  return path.join(dir, ...parts);
}

export const IMDB_TRAIN = dataFile('imdb', 'train.csv');
export const IMDB_TEST = dataFile('imdb', 'test.csv');
export const AIRLINE = dataFile('airline_tweets', 'all.csv');
export const HAVE_DATA = [IMDB_TRAIN, IMDB_TEST, AIRLINE].every((f) => fs.existsSync(f));

export function tempDir(t: After, prefix = 'sentio-monitor-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let engineP: Promise<Engine> | null = null;
export function engine(): Promise<Engine> {
  engineP ??= loadEngine();
  return engineP;
}

const datasets = new Map<string, Promise<Dataset>>();
export function dataset(file: string): Promise<Dataset> {
  let p = datasets.get(file);
  if (!p) {
    p = loadDataset(file);
    datasets.set(file, p);
  }
  return p;
}

/** Every k-th row from `offset`: a deterministic subsample that keeps the class mix. */
export function every<T>(items: readonly T[], k: number, offset = 0): T[] {
  const out: T[] = [];
  for (let i = offset; i < items.length; i += k) out.push(items[i] as T);
  return out;
}

export interface TrainedImdb {
  store: string;
  registry: Registry;
  model: EngineModel;
  version: number;
  profile: DataProfile;
  metrics: Record<string, number>;
}

/**
 * An IMDB model trained on every 5th train.csv row (5000 reviews; the file alternates labels, so an odd step keeps both) and
 * evaluated on every 9th test.csv row, registered as `imdb@1` in `store`.
 */
export async function trainImdb(store: string): Promise<TrainedImdb> {
  const e = await engine();
  const train = await dataset(IMDB_TRAIN);
  const test = await dataset(IMDB_TEST);
  const rows = (d: Dataset, k: number, off: number) =>
    every(
      d.texts.map((text, i) => ({ text, label: d.labels[i] as string })),
      k,
      off,
    );
  const options = resolveTrainOptions({ data: 'imdb-train-sub', model: 'imdb' }, {}, () => []);
  const result = await trainAndRegister({
    options,
    store,
    engine: e,
    inline: {
      train: inlineDataset('imdb-train-sub', rows(train, 5, 0)),
      test: inlineDataset('imdb-test-sub', rows(test, 9, 0)),
    },
  });
  const version = result.best.registered?.version as number;
  const registry = await openRegistry(store);
  const loaded = await loadVersionModel(registry, `imdb@${version}`, e);
  const profileSha = loaded.version.artifacts.profile as string;
  const profile = JSON.parse(
    new TextDecoder().decode(await registry.artifacts.get(profileSha)),
  ) as DataProfile;
  return {
    store,
    registry,
    model: loaded.model,
    version,
    profile,
    metrics: loaded.version.metrics,
  };
}

/** Predict `texts` with `model` and log each as the server would; returns the prediction ids. */
export function feed(
  logger: PredictionLogger,
  m: TrainedImdb,
  texts: readonly string[],
  opts: { prefix: string; at?: number; arm?: 'stable' | 'canary' | 'shadow' },
): string[] {
  const batch = m.model.predictBatch(texts);
  const ids: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    const id = `${opts.prefix}-${i}`;
    ids.push(id);
    logger.log({
      id,
      model: 'imdb',
      version: m.version,
      env: 'production',
      arm: opts.arm ?? 'stable',
      label: batch.labelNames[i] as string,
      classes: m.model.classes,
      probabilities: batch.probabilities.subarray(i * batch.nClasses, (i + 1) * batch.nClasses),
      latencyMs: 1,
      text: texts[i] as string,
      ...(opts.at !== undefined ? { at: opts.at + i } : {}),
    });
  }
  return ids;
}
