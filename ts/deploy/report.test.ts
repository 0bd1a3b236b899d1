/**
 * Rollout reports from server counters: instances merged, per-arm error
 * rates and latency percentiles, agreement overall and per class with the
 * stable×candidate confusion table, the live threshold check.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutRecord, RolloutStatsRecord } from '../registry/index.js';
import { buildReport, NO_FEEDBACK } from './report.js';
import { emptyStats, recordComparison, recordLatency } from './stats.js';

const rollout: RolloutRecord = {
  id: 7,
  model: 'm',
  env: 'production',
  kind: 'canary',
  version: 2,
  percent: 10,
  thresholds: { minRequests: 10, maxErrorRate: 0.05, maxP99Ms: null, maxDisagreement: 0.5 },
  state: 'active',
  startedAt: '2026-05-01T12:00:00.000Z',
  startedBy: 'alice@h',
  reason: null,
  endedAt: null,
  endedBy: null,
  endReason: null,
  endDetails: null,
};

function instance(
  name: string,
  fill: (s: ReturnType<typeof emptyStats>) => void,
): RolloutStatsRecord {
  const stats = emptyStats(2, 1);
  fill(stats);
  return { rolloutId: 7, instance: name, updatedAt: '2026-05-01T12:01:00.000Z', stats };
}

test('counters of every instance are merged into one report', () => {
  const a = instance('a', (s) => {
    s.arms.stable.requests = 90;
    for (let i = 0; i < 90; i++) recordLatency(s.arms.stable, 0.4);
    s.arms.candidate.requests = 10;
    s.arms.candidate.errors = 1;
    for (let i = 0; i < 9; i++) recordLatency(s.arms.candidate, 3);
    recordLatency(s.arms.candidate, 9000);
    for (let i = 0; i < 6; i++) recordComparison(s, 'pos', 'pos');
    recordComparison(s, 'pos', 'neg');
    recordComparison(s, 'neg', 'neg');
    recordComparison(s, 'neg', 'pos');
    s.dropped = 2;
  });
  const b = instance('b', (s) => {
    s.arms.stable.requests = 10;
    for (let i = 0; i < 10; i++) recordLatency(s.arms.stable, 20);
    recordComparison(s, 'neg', 'neg');
  });
  const r = buildReport(rollout, [
    b,
    a,
    { rolloutId: 7, instance: 'junk', updatedAt: 'x', stats: { v: 9 } },
  ]);
  assert.deepEqual(
    r.instances.map((i) => i.instance),
    ['a', 'b', 'junk'],
  );
  assert.equal(r.arms.stable.requests, 100);
  assert.equal(r.arms.stable.version, 1);
  assert.equal(r.arms.stable.p50Ms, 0.5);
  assert.equal(r.arms.stable.p95Ms, 25);
  assert.equal(r.arms.candidate.version, 2);
  assert.equal(r.arms.candidate.errorRate, 0.1);
  assert.equal(r.arms.candidate.p50Ms, 5);
  assert.equal(r.arms.candidate.p99Ms, '>2500');
  assert.equal(r.arms.candidate.accuracy, null);
  assert.equal(r.accuracyNote, NO_FEEDBACK);
  assert.equal(r.agreement.compared, 10);
  assert.equal(r.agreement.agreed, 8);
  assert.equal(r.agreement.rate, 0.8);
  assert.equal(r.agreement.dropped, 2);
  assert.deepEqual(r.agreement.perClass, [
    { label: 'neg', compared: 3, agreed: 2, rate: 2 / 3 },
    { label: 'pos', compared: 7, agreed: 6, rate: 6 / 7 },
  ]);
  assert.deepEqual(r.agreement.confusion, {
    labels: ['neg', 'pos'],
    matrix: [
      [2, 1],
      [1, 6],
    ],
  });
  assert.equal(r.thresholds.minRequests, 10);
  assert.equal(r.breach?.metric, 'error_rate');
  assert.match(r.breach?.message ?? '', /10\.00% > 5\.00% over 10 requests/);
});

test('a rollout without counters yet reports zeros and nulls', () => {
  const r = buildReport(rollout, []);
  assert.equal(r.arms.candidate.requests, 0);
  assert.equal(r.arms.candidate.errorRate, null);
  assert.equal(r.arms.candidate.p99Ms, null);
  assert.equal(r.agreement.rate, null);
  assert.equal(r.since, null);
  assert.equal(r.breach, null);
});
