/**
 * Approvals, rollback and history against a real registry: self-approval
 * does not count (identity switched with SENTIO_USER), rollback returns to
 * the previous version or a named one, and "which version served
 * production at T" is right at and between every move of a series.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SentioError } from '../errors/index.js';
import { approve, deploy, history, promote, rollback, setPolicy } from './index.js';
import { after, asUser, deployStore, registerVariant } from './test-support/fixtures.js';

async function rejectsCode(
  p: Promise<unknown>,
  code: string,
  message?: RegExp,
): Promise<SentioError> {
  let err: unknown;
  await assert.rejects(p, (e: unknown) => {
    err = e;
    return true;
  });
  assert.ok(err instanceof SentioError, `expected ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
  return err;
}

describe('approval gate', () => {
  test("the mover's own approval does not count; another user's does (SENTIO_USER switches identity)", async (t) => {
    const s = await deployStore(t);
    const v1 = await registerVariant(s.reg, 'm', 'strong');
    const v2 = await registerVariant(s.reg, 'm', 'strong2');
    await deploy(s.reg, s.engine, { ref: `m@${v1}`, env: 'production' });
    await deploy(s.reg, s.engine, { ref: `m@${v2}`, env: 'staging' });
    await setPolicy(s.reg, 'm', { approval: ['production'] });

    await rejectsCode(
      asUser('alice', () => promote(s.reg, s.engine, { model: 'm' })),
      'DEPLOY_GATE_FAILED',
      /approval: v2 has 0 approvals for production by someone other than alice, required 1/,
    );
    const own = await asUser('alice', () => approve(s.reg, { ref: 'm@staging', note: 'lgtm' }));
    assert.match(own.approvedBy, /^alice@/);
    assert.equal(own.version, v2);
    assert.equal(own.env, 'production');
    assert.equal(own.note, 'lgtm');
    await rejectsCode(
      asUser('alice', () => promote(s.reg, s.engine, { model: 'm' })),
      'DEPLOY_GATE_FAILED',
      /\(1 by alice themself, which do not count\)/,
    );
    assert.equal((await s.reg.getModel('m')).aliases.production, v1);

    // An approval for another environment does not count for production either.
    await asUser('bob', () => approve(s.reg, { ref: `m@${v2}`, env: 'staging' }));
    await rejectsCode(
      asUser('alice', () => promote(s.reg, s.engine, { model: 'm' })),
      'DEPLOY_GATE_FAILED',
    );

    await asUser('bob', () => approve(s.reg, { ref: `m@${v2}`, env: 'production' }));
    const r = await asUser('alice', () => promote(s.reg, s.engine, { model: 'm' }));
    const g = r.gates.find((x) => x.kind === 'approval');
    assert.equal(g?.passed, true);
    assert.equal(g?.value, 1);
    assert.match(g?.message ?? '', /approved for production by bob@/);
    assert.match(r.move.who, /^alice@/);
    assert.equal((await s.reg.getModel('m')).aliases.production, v2);

    const events = (await s.reg.deployEvents('m')).map((e) => e.kind);
    assert.equal(events.filter((k) => k === 'approve').length, 3);
    assert.equal(events.filter((k) => k === 'promote_refused').length, 3);
    await rejectsCode(approve(s.reg, { ref: 'm@1', env: 'qa' }), 'DEPLOY_UNKNOWN_ENV');
  });
});

describe('rollback', () => {
  test('returns to the previous version (the last move’s from), or a named one, without gates', async (t) => {
    const s = await deployStore(t);
    const v1 = await registerVariant(s.reg, 'm', 'strong');
    const v2 = await registerVariant(s.reg, 'm', 'strong2');
    const v3 = await registerVariant(s.reg, 'm', 'weak');
    await rejectsCode(
      rollback(s.reg, { model: 'm', env: 'production' }),
      'DEPLOY_NO_PREVIOUS',
      /production of m has never moved/,
    );
    await deploy(s.reg, s.engine, { ref: `m@${v1}`, env: 'production' });
    await rejectsCode(
      rollback(s.reg, { model: 'm', env: 'production' }),
      'DEPLOY_NO_PREVIOUS',
      /ran no version before v1: name one with --to VERSION/,
    );
    await deploy(s.reg, s.engine, { ref: `m@${v2}`, env: 'production' });
    // Gates would refuse v3 now; a rollback does not run them.
    await setPolicy(s.reg, 'm', {
      gates: { production: ['accuracy >= 0.99'] },
      approval: ['production'],
    });
    await deploy(s.reg, s.engine, { ref: `m@${v3}`, env: 'production', force: true });

    const r = await rollback(s.reg, {
      model: 'm',
      env: 'production',
      reason: 'v3 is bad',
      who: 'oncall@h',
    });
    assert.deepEqual([r.fromVersion, r.toVersion, r.gates.length, r.forced], [v3, v2, 0, false]);
    assert.equal((await s.reg.getModel('m')).aliases.production, v2);
    assert.deepEqual(r.move.details, { action: 'rollback', forced: false, gates: [] });
    assert.equal(r.move.who, 'oncall@h');
    assert.equal(r.move.reason, 'v3 is bad');

    // Rolling back a rollback returns to what ran before it.
    assert.equal((await rollback(s.reg, { model: 'm', env: 'production' })).toVersion, v3);
    assert.equal((await rollback(s.reg, { model: 'm', env: 'production', to: v1 })).toVersion, v1);
    await rejectsCode(
      rollback(s.reg, { model: 'm', env: 'production', to: v1 }),
      'DEPLOY_NOTHING_TO_DO',
    );
    await rejectsCode(
      rollback(s.reg, { model: 'm', env: 'production', to: 9 }),
      'REGISTRY_NOT_FOUND',
    );
    await rejectsCode(rollback(s.reg, { model: 'm', env: 'nowhere' }), 'DEPLOY_UNKNOWN_ENV');
  });
});

describe('history', () => {
  test('answers which version served production at T after a series of moves', async (t) => {
    const s = await deployStore(t);
    const v1 = await registerVariant(s.reg, 'm', 'strong');
    const v2 = await registerVariant(s.reg, 'm', 'strong2');
    const v3 = await registerVariant(s.reg, 'm', 'weak');
    const steps: Array<() => Promise<unknown>> = [
      () => deploy(s.reg, s.engine, { ref: `m@${v1}`, env: 'production' }),
      () => deploy(s.reg, s.engine, { ref: `m@${v2}`, env: 'staging' }),
      () => promote(s.reg, s.engine, { model: 'm' }),
      () => deploy(s.reg, s.engine, { ref: `m@${v3}`, env: 'production' }),
      () => rollback(s.reg, { model: 'm', env: 'production' }),
      () => rollback(s.reg, { model: 'm', env: 'production', to: v1 }),
    ];
    for (const step of steps) {
      const before = (await s.reg.aliasHistory('m')).at(-1);
      if (before) await after(before.at); // every move gets its own millisecond
      await step();
    }
    const moves = await s.reg.aliasHistory('m', 'production');
    assert.deepEqual(
      moves.map((m) => m.toVersion),
      [v1, v2, v3, v2, v1],
    );
    const servedAt = async (at: string) =>
      (await history(s.reg, { model: 'm', env: 'production', at })).at?.serving[0]?.version;
    const shift = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
    const first = moves[0];
    assert.ok(first);
    assert.equal(await servedAt(shift(first.at, -1)), null, 'before the first move: nothing');
    for (const [i, m] of moves.entries()) {
      assert.equal(await servedAt(m.at), m.toVersion, `at move ${i} itself`);
      const next = moves[i + 1];
      const end = next ? shift(next.at, -1) : shift(m.at, 60_000);
      assert.equal(await servedAt(end), m.toVersion, `just before move ${i + 1}`);
    }

    const h = await history(s.reg, { model: 'm', at: moves[2]?.at ?? '' });
    assert.equal(h.env, null);
    assert.deepEqual(
      h.at?.serving.map((x) => [x.env, x.version]),
      [
        ['production', v3],
        ['staging', v2],
      ],
    );
    assert.deepEqual(
      h.entries.map((e) => `${e.env}:${e.action}`),
      [
        'production:deploy',
        'staging:deploy',
        'production:promote',
        'production:deploy',
        'production:rollback',
        'production:rollback',
      ],
    );
    assert.equal(h.entries[2]?.gates.length, 2, 'promote records its gates (checksum, parity)');
    await rejectsCode(history(s.reg, { model: 'm', at: 'last tuesday' }), 'DEPLOY_BAD_OPTION');
  });
});
