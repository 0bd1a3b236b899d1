/**
 * `sentio store migrate`: a SQLite store with every kind of row is copied
 * into PostgreSQL through the CLI, verified, and keeps working there;
 * non-empty targets are refused; `--resume` finishes an interrupted copy and
 * is a no-op on a finished one.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { openRegistry } from '../open.js';
import { openRawDatabase } from '../sqlite/backend.js';
import { firstDifference, storeSnapshot } from '../store-compare.js';
import { json, registerFake, runCli, tempDir } from '../test-support/fixtures.js';
import { sharedPostgres } from '../test-support/postgres.js';
import type { Registry } from '../types.js';
import type { MigrateStoreReport } from './migrate-store.js';

async function freshDatabase(t: { after(fn: () => unknown): void }): Promise<string> {
  const cluster = await sharedPostgres();
  const url = await cluster.createDatabase();
  t.after(() => cluster.dropDatabase(new URL(url).pathname.slice(1)));
  return url;
}

/** A SQLite store holding every kind of row the registry has. */
async function richStore(dir: string): Promise<void> {
  const reg = await openRegistry(dir);
  try {
    const run = await reg.createRun({
      experiment: 'exp',
      params: { alpha: 0.5 },
      tags: { k: 'v' },
    });
    await reg.logMetrics(run.id, {
      accuracy: 0.9,
      log_loss: Number.POSITIVE_INFINITY,
      odd: Number.NaN,
    });
    await registerFake(reg, 'sentiment', 'one', { runId: run.id, tags: { stage: 'dev' } });
    await reg.finishRun(run.id, 'finished', { model: 'sentiment', version: 1 });
    await registerFake(reg, 'sentiment', 'two', {
      metrics: { accuracy: 0.8, ll: Number.NEGATIVE_INFINITY },
    });
    await registerFake(reg, 'sentiment', 'three');
    await registerFake(reg, 'other', 'x');
    await reg.createRun({ experiment: 'exp2', params: {} });
    await reg.describeModel('sentiment', 'Review sentiment');
    await reg.tagModel('sentiment', { team: 'nlp' });
    await reg.describeVersion('sentiment', 2, 'second');
    const report = await reg.artifacts.put(new TextEncoder().encode('{"report":1}'));
    await reg.recordEvaluation({
      model: 'sentiment',
      version: 2,
      dataset: { path: 'new.csv' },
      metrics: { accuracy: 0.7, log_loss: Number.POSITIVE_INFINITY },
      reportSha256: report,
    });
    await reg.addEnvironment('eu-prod', 'Frankfurt');
    await reg.setPolicy(
      'sentiment',
      { gates: { production: ['accuracy >= 0.5'] } },
      { who: 'lead@h' },
    );
    await reg.moveEnvironment('sentiment', 'staging', 2, { reason: 'try' });
    await reg.moveEnvironment('sentiment', 'production', 1, { details: { gates: [] } });
    await reg.recordApproval('sentiment', 2, 'production', { approvedBy: 'bob@h', note: 'ok' });
    const canary = await reg.startRollout({
      model: 'sentiment',
      env: 'production',
      kind: 'canary',
      version: 2,
      percent: 10,
      thresholds: { maxErrorRate: 0.05 },
    });
    await reg.putRolloutStats(canary.id, 'host-a:1', { requests: 5 });
    await reg.endRollout(canary.id, { state: 'aborted', details: { why: 'slow' } });
    await reg.startRollout({
      model: 'sentiment',
      env: 'production',
      kind: 'shadow',
      version: 3,
      percent: 100,
    });
    await reg.moveEnvironment('other', 'eu-prod', 1);
    await reg.setAlias('sentiment', 'champion', 3, { reason: 'best' });
    await reg.deleteAlias('sentiment', 'champion');
    await reg.recordEvent({
      model: 'sentiment',
      env: 'production',
      kind: 'promote_refused',
      version: 3,
    });
  } finally {
    await reg.close();
  }
}

async function snapshots(a: string, b: string): Promise<string | null> {
  const [x, y] = [
    await openRegistry(a, { readonly: true }),
    await openRegistry(b, { readonly: true }),
  ];
  try {
    return firstDifference(await storeSnapshot(x), await storeSnapshot(y));
  } finally {
    await x.close();
    await y.close();
  }
}

test('store migrate: a whole SQLite store is copied to PostgreSQL, verified, and keeps working there', async (t) => {
  const dir = path.join(tempDir(t), 'store');
  await richStore(dir);
  const url = await freshDatabase(t);

  const r = await runCli(['store', 'migrate', '--from', dir, '--to', url, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = json<MigrateStoreReport>(r);
  assert.equal(rep.resumed, false);
  assert.doesNotMatch(r.stdout, /sentio-test-password/, 'no password in the report');
  assert.ok(rep.artifacts.total >= 10 && rep.artifacts.copied === rep.artifacts.total);
  for (const [table, n] of Object.entries(rep.tables.source)) {
    assert.equal(rep.verified.tables[table], n, table);
  }
  assert.equal(rep.tables.source.rollouts, 2);
  assert.equal(rep.tables.source.alias_history, 5);
  // No monitor.db: nothing further to copy (ts/monitor/postgres/migrate-part.test.ts copies one).
  assert.deepEqual([rep.parts, rep.skipped], [[], []]);
  assert.equal(await snapshots(dir, url), null, 'the copy reads back the same');

  // The copy is a working store: numbering, ids and the one-active-rollout rule carry on.
  const reg: Registry = await openRegistry(url);
  t.after(() => reg.close());
  assert.equal((await registerFake(reg, 'sentiment', 'four')).version.version, 4);
  const move = await reg.setAlias('sentiment', 'champion', 4);
  assert.equal(move.id, 6, 'alias history ids continue after the copied ones');
  await assert.rejects(
    reg.startRollout({
      model: 'sentiment',
      env: 'production',
      kind: 'shadow',
      version: 4,
      percent: 50,
    }),
    /already has an active shadow/,
  );
  assert.equal((await reg.resolve('sentiment@production')).version, 1);
  assert.equal(
    (await reg.getRun((await reg.listRuns({ experiment: 'exp' }))[0]?.id ?? '')).metrics.log_loss,
    Number.POSITIVE_INFINITY,
  );
  const cli = await runCli(['models', 'list', '--json'], { env: { SENTIO_STORE: url } });
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(
    json<{ models: Array<{ name: string }> }>(cli).models.map((m) => m.name),
    ['other', 'sentiment'],
  );
  const verify = await runCli(['artifacts', 'verify', '--store', url, '--json']);
  assert.equal(verify.code, 0, verify.stderr);
  assert.equal(json<{ ok: boolean }>(verify).ok, true);
});

test('store migrate: refuses a non-empty target; --resume finishes an interrupted copy and is a no-op after', async (t) => {
  const dir = path.join(tempDir(t), 'store');
  await richStore(dir);
  const url = await freshDatabase(t);

  // An interrupted migration: the marker and some artifacts are there, no tables yet.
  const src = await openRegistry(dir, { readonly: true });
  const dst = await openRegistry(url);
  const shas = await src.artifacts.list();
  for (const sha of shas.slice(0, 3)) await dst.artifacts.put(await src.artifacts.get(sha));
  const raw = openRawDatabase(path.join(dir, 'registry.db'));
  const storeId = (
    raw.prepare("SELECT value FROM meta WHERE key = 'store_id'").get() as { value: string }
  ).value;
  raw.close();
  await src.close();
  await dst.close();
  const c = new pg.Client(url);
  await c.connect();
  await c.query("INSERT INTO sentio.meta (key, value) VALUES ('migrated_from', $1)", [storeId]);
  await c.end();

  const refused = await runCli(['store', 'migrate', '--from', dir, '--to', url]);
  assert.equal(refused.code, 6);
  assert.match(
    refused.stderr,
    /REGISTRY_CONFLICT: the target .* is not empty \(3 artifacts\); it is an earlier copy of this source: add --resume/,
  );
  assert.doesNotMatch(refused.stderr, /sentio-test-password/);

  const resumed = await runCli([
    'store',
    'migrate',
    '--from',
    dir,
    '--to',
    url,
    '--resume',
    '--json',
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const r1 = json<MigrateStoreReport>(resumed);
  assert.equal(r1.resumed, true);
  assert.equal(r1.artifacts.alreadyPresent, 3);
  assert.equal(r1.artifacts.copied, shas.length - 3);
  assert.equal(await snapshots(dir, url), null);

  const again = await runCli([
    'store',
    'migrate',
    '--from',
    dir,
    '--to',
    url,
    '--resume',
    '--json',
  ]);
  assert.equal(again.code, 0, again.stderr);
  const r2 = json<MigrateStoreReport>(again);
  assert.equal(r2.artifacts.copied, 0);
  assert.ok(
    Object.values(r2.tables.inserted).every(
      (n, i) => n === 0 || Object.keys(r2.tables.inserted)[i] === 'environments',
    ),
  );

  // Another store's data is never merged in, even with --resume.
  const other = path.join(tempDir(t), 'other');
  await richStore(other);
  const merge = await runCli(['store', 'migrate', '--from', other, '--to', url, '--resume']);
  assert.equal(merge.code, 6);
  assert.match(merge.stderr, /REGISTRY_CONFLICT: --resume: the target .* is not a copy of/);

  const usage = await runCli(['store', 'migrate', '--from', dir, '--to', other]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--to must be a postgres:\/\//);
});
