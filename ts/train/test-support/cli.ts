// Test harness for the CLI tests: run the compiled `sentio` as a child
// process against temp stores, locate the shared datasets, write temp files.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file compiles to dist/train/test-support/cli.js). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');
export const DATA_DIR = process.env.SENTIO_DATA_DIR ?? path.join(ROOT, '..', 'shared', 'data');
export const UCI = path.join(DATA_DIR, 'uci_sentiment/all.csv');
export const IMDB_TRAIN = path.join(DATA_DIR, 'imdb/train.csv');
export const IMDB_TEST = path.join(DATA_DIR, 'imdb/test.csv');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Environment for child CLIs: no colour, no progress bars, no inherited store. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Drop the inherited store and colour first, so a test's own SENTIO_HOME wins.
  const { SENTIO_HOME: _store, FORCE_COLOR: _colour, ...inherited } = process.env;
  return { ...inherited, NO_COLOR: '1', SENTIO_NO_PROGRESS: '1', ...extra };
}

export function sentio(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cliEnv(opts.env),
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 }),
    );
  });
}

/** Run and expect exit 0; returns stdout parsed as JSON when `json`. */
export async function ok(args: string[], opts: { env?: Record<string, string> } = {}) {
  const r = await sentio(args, opts);
  if (r.code !== 0) {
    throw new Error(
      `sentio ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
  }
  return r;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed CLI JSON, checked field by field by the assertions
export type Json = any;

export async function okJson<T = Json>(args: string[]): Promise<T> {
  const r = await ok([...args, '--json']);
  return JSON.parse(r.stdout) as T;
}

// Temp dirs (stores of IMDB runs weigh hundreds of MB) go when the test process
// exits; SENTIO_KEEP_TEST_DIRS=1 keeps them for a post-mortem.
const created: string[] = [];
process.once('exit', () => {
  if (process.env.SENTIO_KEEP_TEST_DIRS) return;
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'sentio-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A path for a store that does not exist yet. */
export function freshStore(): string {
  return path.join(tempDir('sentio-store-'), 'store');
}

export function tempFile(name: string, content: string): string {
  const file = path.join(tempDir('sentio-data-'), name);
  writeFileSync(file, content);
  return file;
}

/**
 * The UCI sentiment set cut into two files by row (header kept): the shared
 * files have one record per physical line. Returns [train, test].
 */
export function uciParts(testEvery = 5): [string, string] {
  const [header, ...lines] = readFileSync(UCI, 'utf8').trimEnd().split('\n');
  const test = lines.filter((_, i) => i % testEvery === 0);
  const train = lines.filter((_, i) => i % testEvery !== 0);
  const dir = tempDir('sentio-uci-');
  const trainFile = path.join(dir, 'train.csv');
  const testFile = path.join(dir, 'test.csv');
  writeFileSync(trainFile, `${header}\n${train.join('\n')}\n`);
  writeFileSync(testFile, `${header}\n${test.join('\n')}\n`);
  return [trainFile, testFile];
}

export const SHA256 = /^[0-9a-f]{64}$/;
