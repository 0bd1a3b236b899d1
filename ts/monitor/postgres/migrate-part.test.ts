// `sentio store migrate` copies a store's monitor.db (predictions over
// several days, feedback, token buckets, alert rules, state, history and
// deliveries) into PostgreSQL and verifies it; the copy reads back the same
// through the monitoring interfaces, keeps logging, and --resume re-runs
// the copy as a no-op.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openRegistry } from '../../registry/index.js';
import { json, registerFake, runCli } from '../../registry/test-support/fixtures.js';
import { parseRuleDocument } from '../alerts/rules.js';
import { openAlertStore } from '../alerts/sqlite-store.js';
import { openMonitorStore } from '../open.js';
import { monitorBackends } from '../test-support/backends.js';
import { tempDir } from '../test-support/fixtures.js';
import type { PredictionRow } from '../types.js';

const DAY = 86_400_000;

function row(i: number, at: number): PredictionRow {
  return {
    id: `p${i}`,
    at,
    model: 'm',
    version: 1 + (i % 2),
    env: 'production',
    arm: i % 5 === 0 ? 'canary' : 'stable',
    label: i % 3 ? 'pos' : 'neg',
    confidence: 0.5 + (i % 50) / 100,
    probabilities: { neg: 0.3, pos: 0.7 },
    latencyMs: 0.25 * i,
    textLength: i,
    text: i % 2 ? `text ${i}` : null,
    textSha256: i % 2 ? null : 'ab'.repeat(32),
    tokens: i % 7 ? i : null,
    oovTokens: i % 7 ? 1 : null,
  };
}

test('store migrate copies prediction logs, feedback and alerts to PostgreSQL and verifies them', async (t) => {
  const dir = path.join(tempDir(t), 'store');
  const reg = await openRegistry(dir);
  await registerFake(reg, 'm', 'one');
  await reg.close();
  const day0 = Date.UTC(2026, 10, 1);
  const m = await openMonitorStore(dir, { writer: 'w1' });
  const rows = Array.from({ length: 12_000 }, (_, i) => row(i, day0 + i * 30_000)); // ~4 days
  await m.writeBatch(rows, [
    { model: 'm', version: 1, start: day0, docs: 3, other: 2, counts: new Map([[4, 2]]) },
  ]);
  await m.recordFeedback([
    { predictionId: 'p1', label: 'pos', source: 'api' },
    { predictionId: 'p11999', label: 'neg' },
  ]);
  await m.close();
  const alerts = await openAlertStore(dir);
  await alerts.setRules('m', { defaults: true }, 'ana@host');
  const rules = parseRuleDocument(
    { defaults: false, rules: [{ name: 'aborts', kind: 'rollout_aborted', severity: 'critical' }] },
    't',
  ).rules;
  const obs = {
    rule: 'aborts',
    severity: 'critical' as const,
    labels: { env: 'production' },
    active: true,
    value: 1,
    threshold: null,
    summary: 'aborted',
  };
  const [tr] = await alerts.apply('m', rules, [obs], day0);
  assert.ok(tr);
  await alerts.recordDelivery(
    { status: 'firing', alert: tr.alert, repeat: false, at: day0 },
    { notifier: 'log', outcome: 'delivered', attempts: 1 },
    day0 + 1,
  );
  await alerts.close();

  const [, pg] = monitorBackends();
  const url = await (pg as NonNullable<typeof pg>).location(t);
  const r = await runCli(['store', 'migrate', '--from', dir, '--to', url, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = json<{ parts: Array<{ part: string; rows: number }>; skipped: unknown[] }>(r);
  assert.deepEqual(rep.skipped, []);
  // 12000 predictions + 2 feedback + 1 bucket + 1 rule set + 1 alert + 1 event + 1 delivery
  assert.deepEqual(rep.parts, [
    { part: 'prediction logs, feedback and alerts (monitor.db)', rows: 12_007 },
  ]);

  const copy = await openMonitorStore(url, { writer: 'w2' });
  t.after(() => copy.close());
  assert.equal(copy.kind, 'postgres');
  assert.deepEqual(
    (await copy.labelled({})).map((x) => [x.id, x.truth]),
    [
      ['p1', 'pos'],
      ['p11999', 'neg'],
    ],
  );
  assert.deepEqual((await copy.predictions({ limit: 1 }))[0], rows[rows.length - 1]);
  // It keeps logging after the copied rows.
  assert.equal(await copy.writeBatch([row(12_000, day0 + 5 * DAY)], []), 1);
  const page = (await copy.predictions({ since: day0 + 5 * DAY }))[0];
  assert.equal(page?.id, 'p12000');
  const store = await openAlertStore(url, { readonly: true });
  t.after(() => store.close());
  assert.equal((await store.getRules('m'))?.updatedBy, 'ana@host');
  assert.equal((await store.deliveries({ model: 'm' }))[0]?.notifier, 'log');

  // --resume on a finished copy of the same source: a verified no-op. (The row added
  // after it makes the verification fail: the target is no longer a copy.)
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
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /verification failed: predictions has 12001 rows in the copy, 12000/);
});
