// The monitoring store, on SQLite and on PostgreSQL (one body per backend,
// monitorBackends()): forward-only schema (refuses newer and foreign
// databases), token buckets merged across writers, retention by age and by
// size (also automatic in the logger; PostgreSQL drops whole day
// partitions), and signal verdicts without enough data or without a
// reference. SQLite-only tests say so in their names.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { DataProfile } from '../train/index.js';
import { PredictionLogger } from './logger.js';
import { monitorDbPath, openMonitorStore } from './open.js';
import { computeSignals } from './signals.js';
import { monitorBackends, pgSql } from './test-support/backends.js';
import { tempDir } from './test-support/fixtures.js';
import type { PredictionRow } from './types.js';

const STEP = 120_000;

function row(i: number, at: number, over: Partial<PredictionRow> = {}): PredictionRow {
  return {
    id: `r${i}`,
    at,
    model: 'm',
    version: 1,
    env: 'production',
    arm: 'stable',
    label: 'pos',
    confidence: 0.9,
    probabilities: { neg: 0.1, pos: 0.9 },
    latencyMs: 1,
    textLength: 10,
    text: null,
    textSha256: null,
    tokens: 5,
    oovTokens: 1,
    ...over,
  };
}

test('SQLite only: schema: created at the latest version; newer and foreign databases are refused', async (t) => {
  const dir = tempDir(t);
  const b = await openMonitorStore(dir);
  await b.close();
  const db = new Database(monitorDbPath(dir));
  assert.equal(db.pragma('auto_vacuum', { simple: true }), 2, 'incremental auto-vacuum');
  db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
  db.close();
  await assert.rejects(openMonitorStore(dir), { code: 'MONITOR_STORE_TOO_NEW' });
  await assert.rejects(openMonitorStore(dir, { readonly: true }), {
    code: 'MONITOR_STORE_TOO_NEW',
  });

  const other = tempDir(t);
  const foreign = new Database(monitorDbPath(other));
  foreign.exec('CREATE TABLE x (a)');
  foreign.close();
  await assert.rejects(openMonitorStore(other), { code: 'MONITOR_STORE_INVALID' });
  await assert.rejects(openMonitorStore(tempDir(t), { readonly: true }), {
    code: 'MONITOR_STORE_NOT_FOUND',
  });
});

describe('monitoring store', () => {
  for (const backend of monitorBackends()) {
    describe(backend.name, () => {
      test('duplicates by id are ignored; buckets from two writers merge', async (t) => {
        const dir = await backend.location(t);
        const a = await openMonitorStore(dir, { writer: 'a' });
        const b = await openMonitorStore(dir, { writer: 'b' });
        const bucket = (docs: number, counts: Array<[number, number]>) => ({
          model: 'm',
          version: 1,
          start: 60_000,
          docs,
          other: docs,
          counts: new Map(counts),
        });
        assert.equal(
          await a.writeBatch([row(1, 60_000), row(2, 60_001)], [bucket(2, [[0, 2]])]),
          2,
        );
        assert.equal(await a.writeBatch([row(2, 60_001)], [bucket(1, [[1, 1]])]), 0);
        await b.writeBatch(
          [row(3, 60_002)],
          [
            bucket(3, [
              [0, 1],
              [7, 3],
            ]),
          ],
        );
        const [merged] = await a.tokenBuckets('m', 1, 0, 120_000);
        assert.equal(merged?.docs, 6);
        assert.equal(merged?.other, 6);
        assert.deepEqual(
          [...(merged?.counts ?? [])].sort((x, y) => x[0] - y[0]),
          [
            [0, 3],
            [1, 1],
            [7, 3],
          ],
        );
        const pages: number[] = [];
        for await (const p of a.scan({ model: 'm' }, 2)) pages.push(p.length);
        assert.deepEqual(pages, [2, 1]);
        await a.close();
        await b.close();
      });

      test('retention: by age, by size, and automatically in the logger', async (t) => {
        const dir = await backend.location(t);
        const b = await openMonitorStore(dir);
        // 3000 rows, one every 2 minutes from 1_000_000: about four days (PostgreSQL partitions by day).
        const rows = Array.from({ length: 3000 }, (_, i) =>
          row(i, 1_000_000 + i * STEP, { text: 'x'.repeat(200) }),
        );
        await b.writeBatch(rows, [
          { model: 'm', version: 1, start: 1_000_000, docs: 1, other: 1, counts: new Map() },
        ]);
        await b.recordFeedback([{ predictionId: 'r0', label: 'pos' }]);
        const byAge = await b.prune({ before: 1_000_000 + 1000 * STEP });
        assert.equal(byAge.deletedPredictions, 1000);
        assert.equal(byAge.deletedFeedback, 1);
        assert.equal(byAge.deletedBuckets, 1);
        const before = (await b.stats()).bytes;
        const bySize = await b.prune({ maxBytes: Math.floor(before / 2) });
        const after = await b.stats();
        assert.ok(after.bytes <= before / 2, `${after.bytes} ≤ ${before / 2}`);
        assert.ok(bySize.deletedPredictions > 0 && after.predictions > 0, 'the newest stay');
        assert.equal(after.newest, 1_000_000 + 2999 * STEP);

        let now = 1_000_000 + 3000 * STEP + 10_000_000;
        const logger = new PredictionLogger(b, {
          now: () => now,
          retention: { maxAgeMs: 60_000, everyMs: 1000 },
        });
        logger.log({
          id: 'old',
          model: 'm',
          version: 1,
          label: 'pos',
          classes: ['neg', 'pos'],
          probabilities: [0.2, 0.8],
          latencyMs: 1,
          text: 'hi',
          at: now - 120_000,
        });
        now += 10;
        await logger.flush();
        assert.equal((await b.stats()).predictions, 0, 'everything older than a minute is gone');
        await logger.close();
      });
    });
  }
});

test('signals: insufficient data below the minimum window, unavailable without reference', () => {
  const profile = {
    classes: ['neg', 'pos'],
    evaluation: {
      predicted_distribution: { neg: 0.5, pos: 0.5 },
      confidence: { bins: [0, 0.5], counts: [0, 10], mean: 0.8 },
      oov_rate: 0.01,
    },
  } as unknown as DataProfile;
  const few = Array.from({ length: 50 }, (_, i) => row(i, i));
  const s = Object.fromEntries(
    computeSignals(profile, { rows: few, buckets: [] }).map((x) => [x.name, x]),
  );
  assert.equal(s.prediction_psi?.verdict, 'insufficient_data');
  assert.equal(s.prediction_psi?.value, null);
  assert.equal(s.token_js?.verdict, 'unavailable');
  assert.equal(s.text_length?.verdict, 'unavailable');
  const many = Array.from({ length: 200 }, (_, i) => row(i, i));
  const m = Object.fromEntries(
    computeSignals(profile, { rows: many, buckets: [] }).map((x) => [x.name, x]),
  );
  // All "pos" against a 50/50 reference: PSI = (1e-4 − 0.5)·ln(1e-4/0.5) + 0.5·ln(2)
  assert.ok(
    Math.abs(
      (m.prediction_psi?.value ?? 0) - ((1e-4 - 0.5) * Math.log(1e-4 / 0.5) + 0.5 * Math.log(2)),
    ) < 1e-12,
  );
  assert.equal(m.prediction_psi?.verdict, 'drift');
  // 1 OOV in 5 tokens = 0.2 > 0.01 + 0.05
  assert.equal(m.oov_rate?.value, 0.2);
  assert.equal(m.oov_rate?.verdict, 'drift');
});

test('PostgreSQL only: schema in its own "sentio_monitor" schema; newer and foreign ones refused', async (t) => {
  const [, pgBackend] = monitorBackends();
  const url = await (pgBackend as NonNullable<typeof pgBackend>).location(t);
  await assert.rejects(openMonitorStore(url, { readonly: true }), {
    code: 'MONITOR_STORE_NOT_FOUND',
  });
  const b = await openMonitorStore(url);
  assert.equal(b.kind, 'postgres');
  assert.ok(!b.location.includes('sentio-test-password'), 'no password in the location');
  await b.close();
  await (await openMonitorStore(url, { readonly: true })).close();
  await pgSql(url, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
  await assert.rejects(openMonitorStore(url), { code: 'MONITOR_STORE_TOO_NEW' });
  await pgSql(url, 'DROP TABLE meta');
  await assert.rejects(openMonitorStore(url), { code: 'MONITOR_STORE_INVALID' });
  const bad = url.replace(/\/[^/]+$/, '/no_such_database');
  await assert.rejects(openMonitorStore(bad), { code: 'MONITOR_STORE_NOT_FOUND' });
});

test('PostgreSQL only: one partition per day, created ahead; retention drops whole days', async (t) => {
  const [, pgBackend] = monitorBackends();
  const url = await (pgBackend as NonNullable<typeof pgBackend>).location(t);
  const DAY = 86_400_000;
  const day0 = Date.UTC(2026, 10, 20);
  const b = await openMonitorStore(url);
  t.after(() => b.close());
  const rows = Array.from({ length: 40 }, (_, i) => row(i, day0 + i * (DAY / 10)));
  assert.equal(await b.writeBatch(rows, []), 40);
  assert.equal(await b.writeBatch(rows.slice(0, 5), []), 0, 're-sent rows are ignored');
  const parts = async () =>
    (
      await pgSql(
        url,
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'predictions'::regclass ORDER BY 1`,
      )
    ).rows.map((r) => r.relname as string);
  // Days 20..23 hold rows; 24 and 25 are created ahead.
  assert.deepEqual(await parts(), [
    'predictions_20261120',
    'predictions_20261121',
    'predictions_20261122',
    'predictions_20261123',
    'predictions_20261124',
    'predictions_20261125',
  ]);
  await b.recordFeedback([
    { predictionId: 'r0', label: 'neg' },
    { predictionId: 'r15', label: 'pos' },
  ]);
  assert.equal((await b.labelled({})).length, 2);
  const r = await b.prune({ before: day0 + DAY + DAY / 2 });
  assert.equal(r.deletedPredictions, 15, 'day 20 dropped whole, half of day 21 deleted');
  assert.equal(r.deletedFeedback, 1);
  assert.equal((await parts())[0], 'predictions_20261121');
  assert.deepEqual(
    (await b.labelled({})).map((x) => x.id),
    ['r15'],
  );
  // Writing into a day retention dropped recreates it.
  assert.equal(await b.writeBatch([row(99, day0 + 1000)], []), 1);
  assert.equal((await b.stats()).predictions, 26);
});
