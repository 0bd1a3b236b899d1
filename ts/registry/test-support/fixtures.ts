/**
 * Test helpers for the registry: temp stores, a fake "model" registered with
 * a few artifacts, and a runner for the compiled CLI.
 * @module
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRegistry } from '../open.js';
import type { RegisterVersionResult, Registry } from '../types.js';

/** dist/cli/main.js, found from this compiled file (dist/registry/test-support/). */
export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** A fresh empty directory under the OS temp dir, removed after the test. */
export function tempDir(t: { after(fn: () => void): void }, prefix = 'sentio-reg-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function tempRegistry(t: {
  after(fn: () => void | Promise<void>): void;
}): Promise<Registry> {
  const dir = tempDir(t);
  const reg = await openRegistry(path.join(dir, 'store'));
  t.after(() => reg.close());
  return reg;
}

const enc = new TextEncoder();

/** Register a version whose "model file" is `content`, with a metrics and a config artifact. */
export async function registerFake(
  reg: Registry,
  model: string,
  content: string,
  extra: { runId?: string; metrics?: Record<string, number>; tags?: Record<string, string> } = {},
): Promise<RegisterVersionResult> {
  const modelSha256 = await reg.artifacts.put(enc.encode(`model:${content}`));
  const metrics = extra.metrics ?? { accuracy: 0.5 + (content.length % 10) / 100 };
  const metricsSha = await reg.artifacts.put(enc.encode(JSON.stringify({ content, metrics })));
  const configSha = await reg.artifacts.put(enc.encode(JSON.stringify({ alpha: 1 })));
  return reg.registerVersion({
    model,
    modelSha256,
    artifacts: { model: modelSha256, metrics: metricsSha, config: configSha },
    ...(extra.runId ? { runId: extra.runId } : {}),
    metrics,
    config: { alpha: 1, ngram_range: [1, 2] },
    dataset: { path: '/data/train.csv', rows: 100, sha256: 'a'.repeat(64) },
    ...(extra.tags ? { tags: extra.tags } : {}),
  });
}

/**
 * The pid of a process that has exited and been reaped: a short child, waited
 * for. Linux hands out pids in increasing order, so it is not reused soon.
 */
export function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => {
      if (child.pid === undefined) reject(new Error('the child got no pid'));
      else resolve(child.pid);
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node dist/cli/main.js ...args` with colours off and SENTIO_HOME / SENTIO_STORE unset unless given. */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: '1',
      SENTIO_NO_PROGRESS: '1',
      ...opts.env,
    };
    if (!opts.env?.SENTIO_HOME) delete env.SENTIO_HOME;
    if (!opts.env?.SENTIO_STORE) delete env.SENTIO_STORE;
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: opts.cwd ?? process.cwd() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parse a CLI's JSON stdout, with the output in the assertion message when it is not JSON. */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}
