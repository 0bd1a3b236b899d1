/**
 * Test fixtures for the server: real models trained by the engine on the
 * shared UCI sentiment data, registered through ts/registry into a temp
 * store, and a real server on an ephemeral port.
 * @module
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../../data/index.js';
import { type Engine, type EngineModel, loadEngine, packageRoot } from '../../engine/index.js';
import { openRegistry, type Registry } from '../../registry/index.js';
import type { ServeOptions } from '../options.js';
import { type RunningServer, startServer } from '../server.js';

export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON answers, checked field by field by the assertions
export type Json = any;

type After = { after(fn: () => void | Promise<void>): void };

export function dataFile(...parts: string[]): string {
  const dir = process.env.SENTIO_DATA_DIR ?? path.resolve(packageRoot(), '..', 'shared', 'data');
  const file = path.join(dir, ...parts);
  if (!fs.existsSync(file)) throw new Error(`dataset missing: ${file} (set SENTIO_DATA_DIR)`);
  return file;
}

export function tempDir(t: After, prefix = 'sentio-serve-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let engineP: Promise<Engine> | null = null;
export function engine(): Promise<Engine> {
  engineP ??= loadEngine();
  return engineP;
}

let dataP: Promise<{ texts: string[]; labels: string[] }> | null = null;
export function uci(): Promise<{ texts: string[]; labels: string[] }> {
  dataP ??= loadDataset(dataFile('uci_sentiment', 'all.csv')).then((d) => ({
    texts: d.texts,
    labels: d.labels,
  }));
  return dataP;
}

const trained = new Map<number, Promise<Uint8Array>>();

/** Model file bytes of variant `i` (distinct bytes per variant: alpha differs). */
export function modelBytes(i: number): Promise<Uint8Array> {
  let p = trained.get(i);
  if (p === undefined) {
    p = (async () => {
      const e = await engine();
      const { texts, labels } = await uci();
      const m: EngineModel = await e.train(
        { ngram_range: [1, 1], alpha: 0.5 + i * 0.05, sublinear_tf: true },
        texts,
        labels,
      );
      return m.toBytes();
    })();
    trained.set(i, p);
  }
  return p;
}

/** Register model-file bytes as the next version of `model`. */
export async function registerBytes(
  reg: Registry,
  model: string,
  bytes: Uint8Array,
): Promise<number> {
  const sha = await reg.artifacts.put(bytes, { kind: 'model' });
  const { version } = await reg.registerVersion({
    model,
    modelSha256: sha,
    artifacts: { model: sha },
    metrics: {},
    config: {},
  });
  return version.version;
}

export interface TestStore {
  dir: string;
  /** A writable registry (the server opens its own read-only one). */
  reg: Registry;
  versions: number[];
}

/** A temp store with `n` versions of `model` (variants 0..n-1), `production` at the first. */
export async function makeStore(t: After, model = 'sentiment', n = 2): Promise<TestStore> {
  const dir = path.join(tempDir(t), 'store');
  const reg = await openRegistry(dir);
  t.after(() => reg.close());
  const versions: number[] = [];
  for (let i = 0; i < n; i++) versions.push(await registerBytes(reg, model, await modelBytes(i)));
  await reg.setAlias(model, 'production', versions[0] as number, { reason: 'test' });
  return { dir, reg, versions };
}

export async function serve(
  t: After,
  store: TestStore,
  opts: Partial<ServeOptions> = {},
): Promise<RunningServer> {
  const server = await startServer({
    store: store.dir,
    port: 0,
    log: { level: 'silent' },
    ...opts,
  });
  t.after(() => server.close());
  return server;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export const REVIEW =
  'I bought this phone last month and I have to say the battery life is excellent, the screen is bright and sharp, and the camera takes great pictures even in low light. ';

/** A ~1.3 KB review text (the benchmark's). */
export function reviewText(): string {
  let s = '';
  while (s.length < 1300) s += REVIEW;
  return s.slice(0, 1300);
}
