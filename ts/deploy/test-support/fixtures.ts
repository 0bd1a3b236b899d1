/**
 * Test fixtures for deployment: real models trained by the engine on the
 * shared UCI sentiment data (a strong and a deliberately weak variant),
 * registered with their real held-out metrics into a temp store, and the
 * held-out rows as a gate-data CSV file.
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../../data/index.js';
import { type Engine, loadEngine, packageRoot } from '../../engine/index.js';
import { openRegistry, type Registry } from '../../registry/index.js';
import { evaluateModel, flattenMetrics, toCsv } from '../../train/index.js';

export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

type After = { after(fn: () => void | Promise<void>): void };

export function tempDir(t: After, prefix = 'sentio-deploy-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function uciFile(): string {
  const dir = process.env.SENTIO_DATA_DIR ?? path.resolve(packageRoot(), '..', 'shared', 'data');
  const file = path.join(dir, 'uci_sentiment', 'all.csv');
  if (!fs.existsSync(file)) throw new Error(`dataset missing: ${file} (set SENTIO_DATA_DIR)`);
  return file;
}

let engineP: Promise<Engine> | null = null;
export function engine(): Promise<Engine> {
  engineP ??= loadEngine();
  return engineP;
}

interface Split {
  train: { texts: string[]; labels: string[] };
  test: { texts: string[]; labels: string[] };
  /** The test rows as CSV text (written per test into its temp dir). */
  testCsv: string;
}

let splitP: Promise<Split> | null = null;
/** UCI cut by row: every 5th row held out. */
export function uciSplit(): Promise<Split> {
  splitP ??= loadDataset(uciFile()).then((d) => {
    const train = { texts: [] as string[], labels: [] as string[] };
    const test = { texts: [] as string[], labels: [] as string[] };
    d.texts.forEach((text, i) => {
      const side = i % 5 === 0 ? test : train;
      side.texts.push(text);
      side.labels.push(d.labels[i] as string);
    });
    const testCsv = toCsv(test.texts.map((text, i) => ({ text, label: test.labels[i] as string })));
    return { train, test, testCsv };
  });
  return splitP;
}

/**
 * Model variants: `strong` (all training rows), `strong2` (same data, other
 * alpha: different bytes, similar quality), `weak` (40 training rows).
 */
export type Variant = 'strong' | 'strong2' | 'weak';

interface Trained {
  bytes: Uint8Array;
  metrics: Record<string, number>;
}

const trained = new Map<Variant, Promise<Trained>>();

export function trainVariant(v: Variant): Promise<Trained> {
  let p = trained.get(v);
  if (p === undefined) {
    p = (async () => {
      const e = await engine();
      const { train, test } = await uciSplit();
      const n = v === 'weak' ? 40 : train.texts.length;
      const model = await e.train(
        { ngram_range: [1, 2], alpha: v === 'strong2' ? 0.3 : 0.5, sublinear_tf: true },
        train.texts.slice(0, n),
        train.labels.slice(0, n),
      );
      try {
        const { report } = await evaluateModel(e, model, test.texts, test.labels);
        return { bytes: model.toBytes(), metrics: { ...flattenMetrics(report), n: report.n } };
      } finally {
        model.dispose();
      }
    })();
    trained.set(v, p);
  }
  return p;
}

/** Register a variant as the next version of `model`, with its real held-out metrics. */
export async function registerVariant(
  reg: Registry,
  model: string,
  v: Variant,
  opts: { metrics?: Record<string, number> } = {},
): Promise<number> {
  const { bytes, metrics } = await trainVariant(v);
  const sha = await reg.artifacts.put(bytes, { kind: 'model' });
  const { version } = await reg.registerVersion({
    model,
    modelSha256: sha,
    artifacts: { model: sha },
    metrics: opts.metrics ?? metrics,
    config: { variant: v },
    description: v,
  });
  return version.version;
}

export interface DeployStore {
  dir: string;
  reg: Registry;
  engine: Engine;
  /** The held-out rows as a CSV file (--gate-data). */
  gateData: string;
}

/** An empty temp store (closed after the test), the engine, and the gate-data file. */
export async function deployStore(t: After): Promise<DeployStore> {
  const root = tempDir(t);
  const dir = path.join(root, 'store');
  const reg = await openRegistry(dir);
  t.after(() => reg.close());
  const gateData = path.join(root, 'gate.csv');
  fs.writeFileSync(gateData, (await uciSplit()).testCsv);
  return { dir, reg, engine: await engine(), gateData };
}

/** Run `fn` with env SENTIO_USER set (restored afterwards). */
export async function asUser<T>(user: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.SENTIO_USER;
  process.env.SENTIO_USER = user;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.SENTIO_USER;
    else process.env.SENTIO_USER = before;
  }
}

/** Wait until the clock has moved past `iso` (so the next write gets a later `at`). */
export async function after(iso: string): Promise<void> {
  while (Date.now() <= Date.parse(iso)) await new Promise((r) => setTimeout(r, 2));
}
