import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { type TestContext, test } from 'node:test';
import { setPolicy } from '../deploy/index.js';
import { openRegistry } from '../registry/index.js';
import { type Json, modelBytes, postJson, serve, tempDir } from './test-support/fixtures.js';
import { adminCall, attached, registerWithMetrics, until } from './test-support/rollouts.js';

const TOKEN = 'admin-token-for-deploy-tests-0123';
const TOKEN_ID = `token:${createHash('sha256').update(TOKEN).digest('hex').slice(0, 12)}`;
const M = '/v1/admin/models/sentiment';

const WRITES: Array<[string, unknown]> = [
  [`${M}/deploy`, { version: 2, env: 'production' }],
  [`${M}/promote`, { force: true }],
  [`${M}/rollback`, { env: 'production' }],
  [`${M}/approve`, { version: 2 }],
  [`${M}/canary`, { version: 2, percent: 50 }],
  [`${M}/canary/stop`, {}],
  [`${M}/canary/promote`, { force: true }],
  [`${M}/shadow`, { version: 2 }],
  [`${M}/shadow/stop`, {}],
];
const READS = [`${M}/history`, `${M}/canary`, `${M}/shadow`, `${M}/policy`];

async function setup(t: TestContext) {
  const dir = path.join(tempDir(t), 'store');
  const reg = await openRegistry(dir);
  t.after(() => reg.close());
  const v1 = await registerWithMetrics(reg, 'sentiment', await modelBytes(0), { accuracy: 0.8 });
  const v2 = await registerWithMetrics(reg, 'sentiment', await modelBytes(1), { accuracy: 0.82 });
  await reg.setAlias('sentiment', 'production', v1, { reason: 'test' });
  await reg.setAlias('sentiment', 'staging', v2, { reason: 'test' });
  await setPolicy(reg, 'sentiment', { gates: { production: ['accuracy >= 0.9'] } });
  // The server opens the store itself (read-only, plus its own writer for admin actions).
  const server = await serve(
    t,
    { dir, reg, versions: [v1, v2] },
    { adminToken: TOKEN, models: ['sentiment@production'], rolloutFlushMs: 100 },
  );
  const snapshot = async () => ({
    aliases: (await reg.getModel('sentiment')).aliases,
    moves: (await reg.aliasHistory('sentiment')).length,
    events: (await reg.deployEvents('sentiment')).length,
    rollouts: (await reg.listRollouts('sentiment')).length,
    approvals: (await reg.listApprovals('sentiment')).length,
  });
  return { reg, server, v1, v2, snapshot };
}

test('admin deploy routes: without the token 401, with a wrong one 403, and nothing changes', async (t) => {
  const { server, snapshot } = await setup(t);
  const before = await snapshot();
  for (const [p, body] of WRITES) {
    const none = await adminCall(server.url, 'POST', p, null, body);
    assert.equal(none.status, 401, `${p} without a token`);
    assert.equal(none.body.error.code, 'SERVE_UNAUTHORIZED');
    const wrong = await adminCall(server.url, 'POST', p, 'not-the-admin-token-at-all', body);
    assert.equal(wrong.status, 403, `${p} with a wrong token`);
    assert.equal(wrong.body.error.code, 'SERVE_FORBIDDEN');
  }
  for (const p of READS) {
    assert.equal((await adminCall(server.url, 'GET', p, null)).status, 401, p);
    assert.equal((await adminCall(server.url, 'GET', p, 'wrong-token-wrong-token')).status, 403);
  }
  assert.deepEqual(await snapshot(), before, 'the store is untouched');
  const res = await postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'fine' });
  assert.equal(res.body.version, 1);
});

test('admin deploy routes: a failing gate is 409 with the gate results and production unchanged; force, rollback, canary and history work', async (t) => {
  const { reg, server, v1, v2, snapshot } = await setup(t);
  const before = await snapshot();

  const refused = await adminCall(server.url, 'POST', `${M}/promote`, TOKEN, {
    reason: 'try it',
  });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'DEPLOY_GATE_FAILED');
  assert.match(refused.body.error.message, /accuracy/);
  const gates: Json[] = refused.body.error.details.gates;
  const acc = gates.find((g) => g.kind === 'metric' && g.source === 'recorded');
  assert.ok(acc !== undefined, JSON.stringify(gates));
  assert.equal(acc.passed, false);
  assert.equal(acc.value, 0.82);
  assert.equal(acc.required, 0.9);
  const after = await snapshot();
  assert.deepEqual(after.aliases, before.aliases, 'production unchanged');
  assert.equal(after.moves, before.moves, 'no move recorded');
  const refusal = (await reg.deployEvents('sentiment')).at(-1);
  assert.equal(refusal?.kind, 'promote_refused');
  assert.equal(refusal?.who, TOKEN_ID, 'recorded as the token, not the token itself');
  let res = await postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'fine' });
  assert.equal(res.body.version, v1, 'the server still answers with production');

  // Bad bodies name the field.
  const bad = await adminCall(server.url, 'POST', `${M}/promote`, TOKEN, { forse: true });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'DEPLOY_BAD_OPTION');
  assert.equal(bad.body.error.details.field, 'forse');
  const badType = await adminCall(server.url, 'POST', `${M}/rollback`, TOKEN, { env: 7 });
  assert.equal(badType.status, 400);

  // Forced: moves, recorded as forced with the same failing gate; this server follows at once.
  const forced = await adminCall(server.url, 'POST', `${M}/promote`, TOKEN, {
    force: true,
    reason: 'hotfix',
  });
  assert.equal(forced.status, 200, JSON.stringify(forced.body));
  assert.equal(forced.body.forced, true);
  assert.equal(forced.body.toVersion, v2);
  assert.equal((await reg.getModel('sentiment')).aliases.production, v2);
  await until(
    'the server to answer with v2',
    async () =>
      (await postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'fine' })).body,
    (b) => b.version === v2,
  );

  const back = await adminCall(server.url, 'POST', `${M}/rollback`, TOKEN, { env: 'production' });
  assert.equal(back.status, 200);
  assert.equal(back.body.toVersion, v1);
  await until(
    'the server to answer with v1 again',
    async () =>
      (await postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'fine' })).body,
    (b) => b.version === v1,
  );

  // A canary through the API: started, followed by this server, reported, stopped.
  const started = await adminCall(server.url, 'POST', `${M}/canary`, TOKEN, {
    version: v2,
    percent: 50,
    thresholds: { maxDisagreement: null },
  });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  assert.equal(started.body.startedBy, TOKEN_ID);
  await attached(server, 'canary', started.body.id);
  const again = await adminCall(server.url, 'POST', `${M}/canary`, TOKEN, {
    version: v2,
    percent: 5,
  });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'DEPLOY_ROLLOUT_ACTIVE');
  for (let i = 0; i < 200; i++) {
    res = await postJson(
      `${server.url}/v1/models/sentiment/predict`,
      { text: 'fine' },
      { 'x-sentio-key': `u${i}` },
    );
    assert.equal(res.status, 200);
  }
  const status = await adminCall(server.url, 'GET', `${M}/canary?env=production`, TOKEN);
  assert.equal(status.status, 200);
  assert.equal(status.body.arms.stable.requests + status.body.arms.candidate.requests, 200);
  assert.ok(status.body.arms.candidate.requests > 50);
  const stopped = await adminCall(server.url, 'POST', `${M}/canary/stop`, TOKEN, {
    reason: 'enough',
  });
  assert.equal(stopped.status, 200);
  assert.equal(stopped.body.state, 'stopped');
  await attached(server, 'canary', null);

  const hist = await adminCall(server.url, 'GET', `${M}/history?env=production`, TOKEN);
  assert.equal(hist.status, 200);
  const moves = hist.body.entries.filter((e: Json) => e.type === 'move');
  const last2 = moves.slice(-2);
  assert.deepEqual(
    last2.map((e: Json) => [e.action, e.fromVersion, e.toVersion, e.who, e.forced]),
    [
      ['promote', v1, v2, TOKEN_ID, true],
      ['rollback', v2, v1, TOKEN_ID, false],
    ],
  );
  const atForced = new Date(Date.parse(last2[0].at) + 1).toISOString();
  const at = await adminCall(
    server.url,
    'GET',
    `${M}/history?env=production&at=${encodeURIComponent(atForced)}`,
    TOKEN,
  );
  assert.equal(at.body.at.serving[0].version, v2);
  const unknown = await adminCall(server.url, 'GET', `${M}/history?when=now`, TOKEN);
  assert.equal(unknown.status, 400);
  const policy = await adminCall(server.url, 'GET', `${M}/policy`, TOKEN);
  assert.equal(policy.status, 200);
  assert.ok(JSON.stringify(policy.body).includes('accuracy >= 0.9'));

  const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
  for (const [p] of WRITES) {
    assert.ok(spec.paths[p.replace('sentiment', '{name}')]?.post, `${p} documented`);
  }
  for (const p of READS) assert.ok(spec.paths[p.replace('sentiment', '{name}')]?.get, p);
});
