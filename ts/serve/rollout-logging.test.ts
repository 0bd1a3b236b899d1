// Rollouts in the prediction log: a canary's answers are logged with arm
// `canary` and the candidate's version, the stable ones with arm `stable`;
// the off-path scores with arm `shadow`, under the answered id plus
// `.compare` (the canary's other arm) or `.shadow` (a shadow candidate);
// feedback for an answered id labels those twins too; after a hot swap the
// new version's predictions are logged under it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openMonitorStore, type PredictionRow } from '../monitor/index.js';
import { makeStore, postJson, serve } from './test-support/fixtures.js';
import { wsLoad } from './test-support/monitoring.js';
import { attached, startRollout, until } from './test-support/rollouts.js';

const TEXTS = [
  'Great phone, the battery lasts for days.',
  'Terrible service and cold food.',
  'I love this movie.',
  'It broke after one week.',
];

async function rows(dir: string): Promise<PredictionRow[]> {
  const b = await openMonitorStore(dir, { readonly: true });
  try {
    return await b.predictions({ model: 'sentiment' });
  } finally {
    await b.close();
  }
}

test('canary and shadow traffic is logged by arm, off-path scores as shadow twins that feedback labels too', async (t) => {
  const store = await makeStore(t, 'sentiment', 3);
  const [stable, canaryV, shadowV] = store.versions as [number, number, number];
  const server = await serve(t, store, { registry: store.reg, rolloutFlushMs: 100 });
  const canary = await startRollout(store.reg, { kind: 'canary', version: canaryV, percent: 50 });
  await attached(server, 'canary', canary.id);
  const shadow = await startRollout(store.reg, { kind: 'shadow', version: shadowV, percent: 100 });
  await attached(server, 'shadow', shadow.id);

  const answers = await wsLoad(
    server.url,
    Array.from({ length: 400 }, (_, i) => ({
      model: 'sentiment',
      text: `${TEXTS[i % 4]} #${i}`,
      key: `user-${i}`,
    })),
  );
  await server.flushRollouts(); // queued comparisons and shadow scores are done
  await server.flushPredictionLog();
  const all = await rows(store.dir);
  const byId = new Map(all.map((r) => [r.id, r]));
  let canaryAnswers = 0;
  for (const a of answers) {
    const r = byId.get(a.predictionId);
    assert.ok(r !== undefined, `answer ${a.predictionId} logged`);
    assert.equal(r.arm, a.arm);
    assert.equal(r.version, a.version);
    assert.equal(r.env, 'production');
    if (a.arm === 'canary') canaryAnswers++;
    // Its off-path twins: the other canary arm, and (stable answers only) the shadow.
    const compare = byId.get(`${a.predictionId}.compare`);
    assert.ok(compare !== undefined, `comparison twin of ${a.predictionId}`);
    assert.equal(compare.arm, 'shadow');
    assert.equal(compare.version, a.arm === 'canary' ? stable : canaryV);
    assert.equal(compare.textSha256, r.textSha256);
    const mirrored = byId.get(`${a.predictionId}.shadow`);
    if (a.arm === 'stable') {
      assert.equal(mirrored?.version, shadowV);
      assert.equal(mirrored?.arm, 'shadow');
    } else assert.equal(mirrored, undefined, 'a canary answer is not mirrored');
  }
  assert.ok(canaryAnswers > 100 && canaryAnswers < 300, `canary answered ${canaryAnswers}`);
  const shadowRows = all.filter((r) => r.arm === 'shadow');
  assert.equal(shadowRows.length, 400 + (400 - canaryAnswers));
  const versions = new Set(shadowRows.map((r) => r.version));
  t.diagnostic(
    `${all.length} rows: ${all.filter((r) => r.arm === 'stable').length} stable, ${canaryAnswers} canary, ${shadowRows.length} shadow (versions ${[...versions].join(', ')})`,
  );

  // Feedback for what the client holds also labels its twins.
  const a = answers.find((x) => x.arm === 'stable');
  const fb = await postJson(`${server.url}/v1/feedback`, {
    prediction_id: a.predictionId,
    label: 'positive',
  });
  assert.equal(fb.status, 200);
  const b = await openMonitorStore(store.dir, { readonly: true });
  const labelled = await b.labelled({ model: 'sentiment' });
  await b.close();
  assert.deepEqual(
    labelled.map((r) => r.id).sort(),
    [a.predictionId, `${a.predictionId}.compare`, `${a.predictionId}.shadow`].sort(),
  );

  // A hot swap: the new stable version's predictions are logged under its version.
  await store.reg.endRollout(canary.id, { state: 'stopped' });
  await store.reg.endRollout(shadow.id, { state: 'stopped' });
  await attached(server, 'canary', null);
  await store.reg.setAlias('sentiment', 'production', canaryV, {});
  await until(
    'the swap',
    async () =>
      (await postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'fine' })).body,
    (body) => body.version === canaryV,
  );
  const p = await postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'after the swap' });
  await server.flushPredictionLog();
  const after = (await rows(store.dir)).find((r) => r.id === p.body.id);
  assert.equal(after?.version, canaryV);
  assert.equal(after?.arm, 'stable');
});
