/**
 * Real concurrency: separate OS processes (not async tasks in one process)
 * register versions of one model in the same store at the same moment, on
 * each backend (on PostgreSQL they also race to create the schema).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openRegistry } from './open.js';
import { openRawDatabase } from './sqlite/backend.js';
import { backends } from './test-support/backends.js';
import { verifyStore } from './verify.js';

const WORKER = fileURLToPath(new URL('./test-support/register-worker.js', import.meta.url));

interface WorkerOutput {
  worker: string;
  results: Array<{ version: number; created: boolean; runId: string }>;
}

function runWorker(args: string[]): Promise<WorkerOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`worker ${args[2]} exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as WorkerOutput);
    });
  });
}

/** Start `n` workers that all begin at the same instant (after every process has loaded). */
function startWorkers(
  store: string,
  model: string,
  n: number,
  count: number,
  mode = '',
): Promise<WorkerOutput[]> {
  const start = String(Date.now() + 1500);
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      runWorker([store, model, String(i), String(count), start, ...(mode ? [mode] : [])]),
    ),
  );
}

for (const b of backends()) {
  test(`${b.name}: 6 processes registering one model at once get distinct versions, nothing lost`, async (t) => {
    // An empty location: the racing workers create (migrate) the store themselves.
    const store = await b.location(t);
    const workers = 6;
    const each = 5;
    const outputs = await startWorkers(store, 'contended', workers, each);

    const versions = outputs.flatMap((o) => o.results.map((r) => r.version));
    assert.equal(versions.length, workers * each);
    assert.ok(
      outputs.every((o) => o.results.every((r) => r.created)),
      'every distinct model file created a version',
    );
    assert.deepEqual(
      [...versions].sort((a, b) => a - b),
      Array.from({ length: workers * each }, (_, i) => i + 1),
      'distinct, gap-free versions',
    );

    const reg = await openRegistry(store, { readonly: true });
    t.after(() => reg.close());
    const listed = await reg.listVersions('contended');
    assert.equal(listed.length, workers * each);
    // Each version holds exactly the content its worker registered.
    const byVersion = new Map(listed.map((v) => [v.version, v]));
    for (const o of outputs) {
      for (const [i, r] of o.results.entries()) {
        const v = byVersion.get(r.version);
        assert.deepEqual(v?.config, { worker: o.worker, i });
        assert.equal(v?.runId, r.runId);
        const bytes = await reg.artifacts.get(v?.modelSha256 as string);
        assert.equal(Buffer.from(bytes).toString(), `worker ${o.worker} model ${i}`);
      }
    }
    const runs = await reg.listRuns({ experiment: 'concurrency' });
    assert.equal(runs.length, workers * each);
    assert.ok(runs.every((r) => r.status === 'finished' && r.model === 'contended'));

    // Every alias move was recorded; the alias points at the target of the last move.
    const history = await reg.aliasHistory('contended', 'champion');
    assert.equal(history.length, workers * each);
    for (let i = 1; i < history.length; i++) {
      assert.equal(history[i]?.fromVersion, history[i - 1]?.toVersion, 'history is a chain');
    }
    assert.equal((await reg.resolve('contended@champion')).version, history.at(-1)?.toVersion);

    assert.deepEqual(await reg.checkIntegrity(), ['ok']);
    if (b.name === 'sqlite') {
      const raw = openRawDatabase(path.join(store, 'registry.db'));
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
      raw.close();
    }
    assert.equal((await verifyStore(reg)).ok, true);
  });

  test(`${b.name}: processes registering the same model file at once: exactly one version (identity by content)`, async (t) => {
    const store = await b.location(t);
    const outputs = await startWorkers(store, 'same', 5, 2, 'same');
    const results = outputs.flatMap((o) => o.results);
    assert.equal(results.filter((r) => r.created).length, 1, 'created once');
    assert.ok(results.every((r) => r.version === 1));
    const reg = await openRegistry(store, { readonly: true });
    t.after(() => reg.close());
    assert.equal((await reg.getModel('same')).versions, 1);
    assert.deepEqual(await reg.checkIntegrity(), ['ok']);
  });
}
