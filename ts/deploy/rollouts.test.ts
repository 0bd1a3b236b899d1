/**
 * Canary and shadow control against a real registry: starting validates
 * the candidate, percent and thresholds (policy defaults, then explicit
 * values); status merges what server instances report; stop ends it;
 * canary promote is a gated move that ends the rollout as promoted.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SentioError } from '../errors/index.js';
import { openMonitorStore, type PredictionRow } from '../monitor/index.js';
import {
  canaryPromote,
  canaryStart,
  canaryStatus,
  canaryStop,
  DEFAULT_THRESHOLDS,
  deploy,
  emptyStats,
  history,
  recordComparison,
  setPolicy,
  shadowReport,
  shadowStart,
  shadowStop,
} from './index.js';
import { deployStore, registerVariant } from './test-support/fixtures.js';

async function rejectsCode(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SentioError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

async function withProduction(t: Parameters<typeof deployStore>[0]) {
  const s = await deployStore(t);
  const v1 = await registerVariant(s.reg, 'm', 'strong');
  const v2 = await registerVariant(s.reg, 'm', 'strong2');
  await deploy(s.reg, s.engine, { ref: `m@${v1}`, env: 'production' });
  return { ...s, v1, v2 };
}

describe('canary', () => {
  test('start, status from instance counters, stop', async (t) => {
    const s = await withProduction(t);
    await setPolicy(s.reg, 'm', { canary: { min_requests: 50, max_p99_ms: 100 } });
    const r = await canaryStart(s.reg, {
      ref: `m@${s.v2}`,
      env: 'production',
      percent: 10,
      thresholds: { maxDisagreement: 0.1 },
      reason: 'try v2',
      who: 'alice@h',
    });
    assert.equal(r.kind, 'canary');
    assert.equal(r.percent, 10);
    assert.equal(r.version, s.v2);
    assert.deepEqual(r.thresholds, {
      minRequests: 50,
      maxErrorRate: DEFAULT_THRESHOLDS.maxErrorRate,
      maxP99Ms: 100,
      maxDisagreement: 0.1,
    });
    await rejectsCode(
      canaryStart(s.reg, { ref: `m@${s.v2}`, env: 'production', percent: 5 }),
      'DEPLOY_ROLLOUT_ACTIVE',
    );

    const a = emptyStats(s.v2, s.v1);
    a.arms.stable.requests = 90;
    a.arms.candidate.requests = 10;
    for (let i = 0; i < 9; i++) recordComparison(a, 'positive', 'positive');
    recordComparison(a, 'negative', 'positive');
    const b = emptyStats(s.v2, s.v1);
    b.arms.candidate.requests = 5;
    b.arms.candidate.errors = 1;
    await s.reg.putRolloutStats(r.id, 'host-a:1', a);
    await s.reg.putRolloutStats(r.id, 'host-b:1', b);
    const rep = await canaryStatus(s.reg, { model: 'm', env: 'production' });
    assert.equal(rep.state, 'active');
    assert.equal(rep.instances.length, 2);
    assert.equal(rep.arms.stable.requests, 90);
    assert.equal(rep.arms.stable.version, s.v1);
    assert.equal(rep.arms.candidate.requests, 15);
    assert.equal(rep.arms.candidate.errorRate, 1 / 15);
    assert.equal(rep.agreement.rate, 0.9);
    assert.deepEqual(rep.agreement.confusion.matrix, [
      [0, 1],
      [0, 9],
    ]);
    assert.equal(rep.breach, null, 'below min_requests');

    const stopped = await canaryStop(s.reg, { model: 'm', env: 'production', reason: 'enough' });
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.endReason, 'enough');
    const after = await canaryStatus(s.reg, { model: 'm', env: 'production' });
    assert.equal(after.state, 'stopped', 'the last canary is still reported');
    assert.equal(after.arms.candidate.requests, 15);
    await rejectsCode(canaryStop(s.reg, { model: 'm', env: 'production' }), 'DEPLOY_NO_ROLLOUT');
    assert.equal((await s.reg.getModel('m')).aliases.production, s.v1, 'stop does not move');
    const kinds = (await history(s.reg, { model: 'm', env: 'production' })).entries.map(
      (e) => e.action,
    );
    assert.deepEqual(kinds.slice(-2), ['canary_start', 'canary_stopped']);
  });

  test('start refuses bad input before anything is written', async (t) => {
    const s = await withProduction(t);
    await rejectsCode(
      canaryStart(s.reg, { ref: 'm', env: 'production', percent: 10 }),
      'DEPLOY_BAD_OPTION',
      /m@VERSION/,
    );
    for (const percent of [0, -1, 101, Number.NaN]) {
      await rejectsCode(
        canaryStart(s.reg, { ref: `m@${s.v2}`, env: 'production', percent }),
        'DEPLOY_BAD_OPTION',
        /--percent/,
      );
    }
    await rejectsCode(
      canaryStart(s.reg, {
        ref: `m@${s.v2}`,
        env: 'production',
        percent: 10,
        thresholds: { maxErrorRate: 2 },
      }),
      'DEPLOY_BAD_OPTION',
      /thresholds\.maxErrorRate: expected a rate/,
    );
    await rejectsCode(
      canaryStart(s.reg, { ref: `m@${s.v1}`, env: 'production', percent: 10 }),
      'DEPLOY_NOTHING_TO_DO',
      /already runs v1/,
    );
    await rejectsCode(
      canaryStart(s.reg, { ref: `m@${s.v2}`, env: 'staging', percent: 10 }),
      'DEPLOY_NOTHING_TO_DO',
      /staging of m points at no version/,
    );
    await rejectsCode(canaryStatus(s.reg, { model: 'm', env: 'production' }), 'DEPLOY_NO_ROLLOUT');
    assert.deepEqual(await s.reg.activeRollouts('m'), []);
  });

  test('promote finishes the canary through the gates and ends it as promoted', async (t) => {
    const s = await withProduction(t);
    const r = await canaryStart(s.reg, { ref: `m@${s.v2}`, env: 'production', percent: 10 });
    await setPolicy(s.reg, 'm', { gates: { production: ['accuracy >= 0.99'] } });
    await rejectsCode(
      canaryPromote(s.reg, s.engine, { model: 'm', env: 'production' }),
      'DEPLOY_GATE_FAILED',
      /canary_promote of m@2 to production refused/,
    );
    assert.equal(
      (await s.reg.getRollout(r.id)).state,
      'active',
      'a refused promotion keeps the canary',
    );
    await setPolicy(s.reg, 'm', { gates: { production: ['accuracy >= prod - 0.05'] } });
    const moved = await canaryPromote(s.reg, s.engine, {
      model: 'm',
      env: 'production',
      gateData: s.gateData,
    });
    assert.equal(moved.toVersion, s.v2);
    assert.equal((moved.move.details as { action: string }).action, 'canary_promote');
    assert.equal((await s.reg.getRollout(r.id)).state, 'promoted');
    assert.equal((await s.reg.getModel('m')).aliases.production, s.v2);
  });
});

describe('accuracy per arm', () => {
  test('comes from feedback labels on the logged predictions of each arm during the rollout', async (t) => {
    const s = await withProduction(t);
    const r = await canaryStart(s.reg, { ref: `m@${s.v2}`, env: 'production', percent: 10 });
    const before = await canaryStatus(s.reg, { model: 'm', env: 'production' });
    assert.equal(before.accuracyNote, 'n/a (no feedback labels)', 'no monitoring store yet');
    const mon = await openMonitorStore(s.dir);
    t.after(() => mon.close());
    const at = Date.parse(r.startedAt) + 1;
    const row = (
      id: string,
      arm: 'stable' | 'canary',
      version: number,
      label: string,
    ): PredictionRow => ({
      id,
      at,
      model: 'm',
      version,
      env: 'production',
      arm,
      label,
      confidence: 0.9,
      probabilities: { negative: 0.1, positive: 0.9 },
      latencyMs: 1,
      textLength: 4,
      text: null,
      textSha256: null,
      tokens: null,
      oovTokens: null,
    });
    await mon.writeBatch(
      [
        row('s1', 'stable', s.v1, 'positive'),
        row('s2', 'stable', s.v1, 'positive'),
        row('s3', 'stable', s.v1, 'negative'),
        row('s4', 'stable', s.v1, 'negative'),
        row('c1', 'canary', s.v2, 'positive'),
        row('c2', 'canary', s.v2, 'negative'),
        { ...row('old', 'canary', s.v2, 'negative'), at: at - 60_000 },
      ],
      [],
    );
    await mon.recordFeedback(
      [
        ['s1', 'positive'],
        ['s2', 'positive'],
        ['s3', 'positive'],
        ['s4', 'negative'],
        ['c1', 'positive'],
        ['c2', 'positive'],
        ['old', 'negative'],
      ].map(([predictionId, label]) => ({
        predictionId: predictionId as string,
        label: label as string,
      })),
    );
    const rep = await canaryStatus(s.reg, { model: 'm', env: 'production' });
    assert.equal(rep.arms.stable.accuracy, 0.75);
    assert.equal(rep.arms.stable.labelled, 4);
    assert.equal(
      rep.arms.candidate.accuracy,
      0.5,
      'the prediction from before the canary is not counted',
    );
    assert.equal(rep.arms.candidate.labelled, 2);
    assert.match(rep.accuracyNote, /from feedback labels: 4 stable, 2 candidate/);
  });
});

describe('shadow', () => {
  test('mirrors 100% by default; report and stop', async (t) => {
    const s = await withProduction(t);
    const r = await shadowStart(s.reg, { ref: `m@${s.v2}`, env: 'production' });
    assert.equal(r.kind, 'shadow');
    assert.equal(r.percent, 100);
    // A canary and a shadow may run side by side.
    await canaryStart(s.reg, { ref: `m@${s.v2}`, env: 'production', percent: 5 });
    const st = emptyStats(s.v2, s.v1);
    st.arms.stable.requests = 300;
    st.arms.candidate.requests = 300;
    for (let i = 0; i < 300; i++)
      recordComparison(st, 'positive', i < 100 ? 'negative' : 'positive');
    await s.reg.putRolloutStats(r.id, 'h:1', st);
    const rep = await shadowReport(s.reg, { model: 'm', env: 'production' });
    assert.equal(rep.kind, 'shadow');
    assert.equal(rep.agreement.compared, 300);
    assert.equal(rep.agreement.rate, 200 / 300);
    assert.equal(rep.breach?.metric, 'disagreement');
    assert.deepEqual(rep.agreement.perClass, [
      { label: 'positive', compared: 300, agreed: 200, rate: 200 / 300 },
    ]);
    assert.equal((await shadowStop(s.reg, { model: 'm', env: 'production' })).state, 'stopped');
    assert.equal((await s.reg.activeRollouts('m')).length, 1, 'the canary keeps running');
  });
});
