import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openRegistry } from './open.js';
import { backends } from './test-support/backends.js';
import { registerFake } from './test-support/fixtures.js';

async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

for (const b of backends()) {
  test(`${b.name}: environments: staging and production are built in; more can be declared and removed`, async (t) => {
    const reg = await b.registry(t);
    const names = (await reg.listEnvironments()).map((e) => [e.name, e.builtin]);
    assert.deepEqual(names, [
      ['production', true],
      ['staging', true],
    ]);
    await reg.addEnvironment('eu-prod', 'Frankfurt');
    await rejectsWith(reg.addEnvironment('eu-prod'), 'REGISTRY_CONFLICT', /already declared/);
    await rejectsWith(reg.addEnvironment('bad name'), 'REGISTRY_INVALID');
    await rejectsWith(reg.removeEnvironment('production'), 'REGISTRY_CONFLICT', /built in/);
    await registerFake(reg, 'm', 'one');
    await reg.moveEnvironment('m', 'eu-prod', 1);
    await rejectsWith(reg.removeEnvironment('eu-prod'), 'REGISTRY_CONFLICT', /still serves m/);
    await reg.deleteAlias('m', 'eu-prod');
    await reg.removeEnvironment('eu-prod');
    await rejectsWith(
      reg.moveEnvironment('m', 'eu-prod', 1),
      'DEPLOY_UNKNOWN_ENV',
      /sentio env add/,
    );
  });

  test(`${b.name}: moveEnvironment: precondition, history row, and the end of active rollouts in one transaction`, async (t) => {
    const reg = await b.registry(t);
    for (const c of ['a', 'bb', 'ccc']) await registerFake(reg, 'm', c);
    await reg.moveEnvironment('m', 'production', 1, { reason: 'first' });
    await rejectsWith(
      reg.moveEnvironment('m', 'production', 2, { expectFrom: 3 }),
      'REGISTRY_CONFLICT',
      /moved meanwhile/,
    );
    assert.equal(
      (await reg.getModel('m')).aliases.production,
      1,
      'a failed precondition changes nothing',
    );

    const canary = await reg.startRollout({
      model: 'm',
      env: 'production',
      kind: 'canary',
      version: 2,
      percent: 10,
      thresholds: { minRequests: 5 },
    });
    const shadow = await reg.startRollout({
      model: 'm',
      env: 'production',
      kind: 'shadow',
      version: 3,
      percent: 100,
    });
    await rejectsWith(
      reg.startRollout({ model: 'm', env: 'production', kind: 'canary', version: 3, percent: 5 }),
      'DEPLOY_ROLLOUT_ACTIVE',
      /already has an active canary \(version 2/,
    );
    assert.deepEqual(
      (await reg.activeRollouts('m')).map((r) => [r.kind, r.version]),
      [
        ['canary', 2],
        ['shadow', 3],
      ],
    );

    const move = await reg.moveEnvironment('m', 'production', 2, {
      expectFrom: 1,
      details: { gates: [] },
    });
    assert.equal(move.fromVersion, 1);
    assert.deepEqual(move.details, { gates: [] });
    assert.deepEqual(await reg.activeRollouts('m'), []);
    assert.equal((await reg.getRollout(canary.id)).state, 'promoted');
    assert.equal((await reg.getRollout(shadow.id)).state, 'stopped');
    const kinds = (await reg.deployEvents('m', 'production')).map((e) => e.kind);
    assert.deepEqual(kinds, ['canary_start', 'shadow_start', 'canary_promoted', 'shadow_stopped']);
  });

  test(`${b.name}: rollouts: end once, stats upserted per instance, abort details kept`, async (t) => {
    const reg = await b.registry(t);
    await registerFake(reg, 'm', 'a');
    await registerFake(reg, 'm', 'bb');
    await reg.moveEnvironment('m', 'production', 1);
    await rejectsWith(
      reg.startRollout({ model: 'm', env: 'production', kind: 'canary', version: 2, percent: 0 }),
      'REGISTRY_INVALID',
      /percent/,
    );
    await rejectsWith(
      reg.startRollout({ model: 'm', env: 'nowhere', kind: 'canary', version: 2, percent: 5 }),
      'DEPLOY_UNKNOWN_ENV',
    );
    const r = await reg.startRollout(
      { model: 'm', env: 'production', kind: 'canary', version: 2, percent: 10 },
      { who: 'alice@h', reason: 'try v2' },
    );
    assert.equal(r.startedBy, 'alice@h');
    await reg.putRolloutStats(r.id, 'host-a:1', { n: 1 });
    await reg.putRolloutStats(r.id, 'host-a:1', { n: 2 });
    await reg.putRolloutStats(r.id, 'host-b:7', { n: 5 });
    assert.deepEqual(
      (await reg.rolloutStats(r.id)).map((s) => [s.instance, s.stats]),
      [
        ['host-a:1', { n: 2 }],
        ['host-b:7', { n: 5 }],
      ],
    );
    const ended = await reg.endRollout(
      r.id,
      { state: 'aborted', details: { metric: 'disagreement', value: 0.9 } },
      { who: 'server:x', reason: 'disagrees' },
    );
    assert.equal(ended.state, 'aborted');
    assert.deepEqual(ended.endDetails, { metric: 'disagreement', value: 0.9 });
    await rejectsWith(
      reg.endRollout(r.id, { state: 'stopped' }),
      'DEPLOY_NO_ROLLOUT',
      /already ended/,
    );
    const last = (await reg.deployEvents('m')).at(-1);
    assert.equal(last?.kind, 'canary_aborted');
    assert.equal(last?.who, 'server:x');
    assert.equal((await reg.listRollouts('m', { kind: 'canary' })).length, 1);
  });

  test(`${b.name}: policies, approvals and events round-trip; events are append-only`, async (t) => {
    const reg = await b.registry(t);
    await registerFake(reg, 'm', 'a');
    assert.equal(await reg.getPolicy('m'), null);
    const policy = { gates: { production: ['accuracy >= 0.8'] }, approval: ['production'] };
    await reg.setPolicy('m', policy, { who: 'lead@h' });
    assert.deepEqual((await reg.getPolicy('m'))?.policy, policy);
    const a = await reg.recordApproval('m', 1, 'production', { approvedBy: 'bob@h', note: 'lgtm' });
    assert.equal(a.approvedBy, 'bob@h');
    assert.deepEqual(
      (await reg.listApprovals('m', 1)).map((x) => [x.env, x.approvedBy, x.note]),
      [['production', 'bob@h', 'lgtm']],
    );
    await reg.recordEvent(
      { model: 'm', env: 'production', kind: 'promote_refused', version: 1 },
      { reason: 'gate failed', details: { gates: [{ name: 'accuracy >= 0.8', passed: false }] } },
    );
    await rejectsWith(
      reg.recordEvent({ model: 'm', env: 'production', kind: 'Bad Kind' }),
      'REGISTRY_INVALID',
    );
    await assert.rejects(b.sql(reg, 'DELETE FROM deploy_events'), /cannot be deleted/);
    await assert.rejects(b.sql(reg, "UPDATE approvals SET approved_by = 'x'"), /immutable/);
  });

  test(`${b.name}: changeToken moves on this process’s writes and on other connections’ commits`, async (t) => {
    const store = await b.location(t);
    const first = await openRegistry(store);
    const second = await openRegistry(store);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    const t0 = await first.changeToken();
    assert.equal(await first.changeToken(), t0, 'reads do not move it');
    await registerFake(second, 'm', 'x');
    const t1 = await first.changeToken();
    assert.notEqual(t1, t0, 'another connection committed');
    await first.moveEnvironment('m', 'staging', 1);
    assert.notEqual(await first.changeToken(), t1, 'own write');
  });
}
