// scikit-learn peer: bench/peers/sklearn_bench.py in the project's venv, on
// the same files and config. It prints one summary line and writes JSON.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './config.mjs';

export function pythonBin() {
  const venv = path.join(REPO_ROOT, '.venv', 'bin', 'python');
  if (fs.existsSync(venv)) return venv;
  throw new Error(
    'no .venv/bin/python: run `npm run bootstrap` first (it creates the venv with scikit-learn)',
  );
}

/** sklearn_bench.py and the arguments that name the data and config (every mode takes them). */
export function sklearnBenchArgs({ trainFile, testFile, config }) {
  return [
    path.join(REPO_ROOT, 'bench', 'peers', 'sklearn_bench.py'),
    '--train',
    trainFile,
    '--test',
    testFile,
    '--config',
    JSON.stringify(config),
  ];
}

/**
 * One run of sklearn_bench.py on `trainFile` / `testFile`. `fitChild: false`
 * skips its fresh fit-only process (the peak-RSS measurement); `fitRepeats`
 * and `batchRepeats` (default `repeats`) fits and batches, pickle loads
 * `repeats` times.
 */
export async function runSklearn({
  trainFile,
  testFile,
  config,
  repeats,
  fitRepeats = repeats,
  batchRepeats = repeats,
  singleCalls,
  fitChild = true,
}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-bench-sk-'));
  const out = path.join(dir, 'sklearn.json');
  const args = [
    ...sklearnBenchArgs({ trainFile, testFile, config }),
    '--repeats',
    String(repeats),
    '--fit-repeats',
    String(fitRepeats),
    '--batch-repeats',
    String(batchRepeats),
    '--single-calls',
    String(singleCalls),
    '--json',
    out,
    ...(fitChild ? [] : ['--no-fit-child']),
  ];
  try {
    await new Promise((resolve, reject) => {
      const child = spawn(pythonBin(), args, { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        code === 0
          ? resolve()
          : reject(new Error(`sklearn_bench.py exited with ${signal ?? `code ${code}`}`)),
      );
    });
    return JSON.parse(fs.readFileSync(out, 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
