// Runs tests/reference/sklearn_reference.py (scikit-learn) and reads its outputs.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../index.js';

export interface SklearnReference {
  dir: string;
  vocabulary: string[] | null;
  idf: Float64Array | null;
  classes: string[];
  proba: Float64Array;
  testLabels: string[];
  split: { train: number[]; test: number[] } | null;
  summary: {
    accuracy: number;
    n_features: number;
    n_train: number;
    n_test: number;
    fit_seconds: number;
  };
  seconds: number;
}

/** The venv's python; throws a clear error when the venv is missing. */
export function venvPython(): string {
  const root = packageRoot();
  const python = path.join(root, '.venv', 'bin', 'python');
  if (!fs.existsSync(python)) {
    throw new Error(
      `scikit-learn parity needs the Python reference environment, but ${python} does not exist. ` +
        'Create it with `node scripts/bootstrap.mjs` (or: python3 -m venv .venv && ' +
        '.venv/bin/pip install -r tests/reference/requirements.txt). This test never skips.',
    );
  }
  return python;
}

function readF64(file: string): Float64Array {
  const buf = fs.readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Float64Array(buf.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export async function sklearnReference(options: {
  train: string;
  test?: string;
  config: object;
}): Promise<SklearnReference> {
  const python = venvPython();
  const root = packageRoot();
  const script = path.join(root, 'tests', 'reference', 'sklearn_reference.py');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-sklearn-'));
  const args = [script, '--train', options.train];
  if (options.test) args.push('--test', options.test);
  args.push('--config', JSON.stringify(options.config), '--out', dir);
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    execFile(python, args, { cwd: root, maxBuffer: 64 << 20 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(script)} failed (${err.message}):\n${stderr}`));
      else resolve();
    });
  });
  const seconds = (Date.now() - started) / 1000;
  const at = (f: string) => path.join(dir, f);
  const vocabulary = fs.existsSync(at('vocabulary.txt'))
    ? fs.readFileSync(at('vocabulary.txt'), 'utf8').split('\n').slice(0, -1)
    : null;
  return {
    dir,
    vocabulary,
    idf: fs.existsSync(at('idf.f64')) ? readF64(at('idf.f64')) : null,
    classes: readJson<string[]>(at('classes.json')),
    proba: readF64(at('proba.f64')),
    testLabels: readJson<string[]>(at('test_labels.json')),
    split: fs.existsSync(at('split.json'))
      ? readJson<{ train: number[]; test: number[] }>(at('split.json'))
      : null,
    summary: readJson<SklearnReference['summary']>(at('summary.json')),
    seconds,
  };
}
