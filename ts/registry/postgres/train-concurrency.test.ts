/**
 * Eight `sentio train` processes (real CLI processes, different seeds, so
 * eight different model files) register one model into one PostgreSQL store
 * at the same moment: versions 1..8, each exactly once, every run finished
 * and pointing at its version, every artifact stored and sound. The same
 * row lock that orders them here orders trainings on different hosts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openRegistry } from '../open.js';
import { json, runCli, tempDir } from '../test-support/fixtures.js';
import { sharedPostgres } from '../test-support/postgres.js';
import { verifyStore } from '../verify.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function uciFile(): string {
  const dir = process.env.SENTIO_DATA_DIR ?? path.resolve(ROOT, '..', 'shared', 'data');
  const file = path.join(dir, 'uci_sentiment', 'all.csv');
  if (!fs.existsSync(file)) throw new Error(`dataset missing: ${file} (set SENTIO_DATA_DIR)`);
  return file;
}

test('postgres: 8 concurrent `sentio train` processes registering one model get versions 1..8, nothing lost', async (t) => {
  const data = uciFile();
  const cluster = await sharedPostgres();
  const url = await cluster.createDatabase();
  t.after(() => cluster.dropDatabase(new URL(url).pathname.slice(1)));
  const cache = tempDir(t);
  const n = 8;
  const t0 = performance.now();
  // Every process creates, migrates and writes the store at once (an empty database to start).
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      runCli(
        ['train', '--data', data, '--model', 'reviews', '--seed', String(i + 1), '--json'],
        // Each process its own cache directory, as on separate hosts.
        { env: { SENTIO_STORE: url, SENTIO_CACHE: path.join(cache, `host-${i}`) } },
      ),
    ),
  );
  const ms = performance.now() - t0;
  const outs = results.map((r, i) => {
    assert.equal(r.code, 0, `train ${i}: ${r.stderr}`);
    return json<{ version: number; created: boolean; run_id: string; store: string }>(r);
  });
  assert.deepEqual(
    outs.map((o) => o.version).sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i + 1),
    'distinct, gap-free versions',
  );
  assert.ok(outs.every((o) => o.created));
  assert.ok(
    outs.every((o) => !o.store.includes('sentio-test-password')),
    'the store is reported without its password',
  );

  const reg = await openRegistry(url, { readonly: true });
  t.after(() => reg.close());
  const versions = await reg.listVersions('reviews');
  assert.equal(versions.length, n);
  assert.equal(new Set(versions.map((v) => v.modelSha256)).size, n, 'eight different model files');
  for (const o of outs) {
    const v = versions.find((x) => x.version === o.version);
    assert.equal(v?.runId, o.run_id, `version ${o.version} belongs to its run`);
    const run = await reg.getRun(o.run_id);
    assert.equal(run.status, 'finished');
    assert.equal(run.version, o.version);
  }
  const report = await verifyStore(reg);
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  t.diagnostic(`8 concurrent trainings into PostgreSQL: ${(ms / 1000).toFixed(1)} s`);
});
