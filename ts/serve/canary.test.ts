import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutStats } from '../deploy/index.js';
import { bucketOf } from './stable-key.js';
import { makeStore, postJson, serve } from './test-support/fixtures.js';
import { askAll, attached, startRollout } from './test-support/rollouts.js';
import { TestWs } from './test-support/ws-client.js';

const N = 10_000;
const TEXT = 'The screen is great but the battery died after two days, disappointing.';

test('canary at 10%: 10% ± 2% of 10,000 keyed requests, sticky keys, answers name version and arm', async (t) => {
  const store = await makeStore(t, 'sentiment', 2);
  const [stable, candidate] = store.versions as [number, number];
  const server = await serve(t, store, { registry: store.reg, rolloutFlushMs: 100 });
  const rollout = await startRollout(store.reg, {
    kind: 'canary',
    version: candidate,
    percent: 10,
  });
  await attached(server, 'canary', rollout.id);

  const c = await TestWs.open(server.url);
  t.after(() => c.close());
  const keys = Array.from({ length: N }, (_, i) => `user-${i}`);
  const answers = await askAll(
    c,
    keys.map((key) => ({ model: 'sentiment', text: TEXT, key })),
  );
  let canary = 0;
  const armOf = new Map<string, string>();
  for (let i = 0; i < N; i++) {
    const a = answers[i] as Record<string, unknown>;
    assert.equal(a.error, undefined, JSON.stringify(a));
    const key = keys[i] as string;
    const expected = bucketOf(key) < 1000 ? 'canary' : 'stable';
    assert.equal(a.arm, expected, `key ${key} went to ${a.arm}`);
    assert.equal(a.version, a.arm === 'canary' ? candidate : stable);
    if (a.arm === 'canary') canary++;
    armOf.set(key, a.arm as string);
  }
  const share = canary / N;
  t.diagnostic(`canary answered ${canary} of ${N} (${(share * 100).toFixed(2)}%)`);
  assert.ok(Math.abs(share - 0.1) <= 0.02, `canary share ${share}`);

  // The same key always gets the same arm: again over WebSocket, and over REST with the header.
  const again = await askAll(
    c,
    keys.slice(0, 2000).map((key) => ({ model: 'sentiment', text: `${TEXT} again`, key })),
  );
  again.forEach((a, i) => {
    assert.equal(a.arm, armOf.get(keys[i] as string));
  });
  for (const key of keys.slice(0, 300)) {
    const r = await postJson(
      `${server.url}/v1/models/sentiment/predict`,
      { text: 'another text entirely' },
      { 'x-sentio-key': key },
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.arm, armOf.get(key));
    assert.equal(r.headers.get('x-sentio-arm'), armOf.get(key));
    assert.equal(r.headers.get('x-sentio-model-version'), `sentiment@${r.body.version}`);
  }

  // Without a key the text is the key; a batch goes by its first text, one version per answer.
  const texts = Array.from({ length: 400 }, (_, i) => `review number ${i}: works fine`);
  for (const text of texts.slice(0, 200)) {
    const r = await postJson(`${server.url}/v1/models/sentiment/predict`, { text });
    assert.equal(r.body.arm, bucketOf(text) < 1000 ? 'canary' : 'stable');
  }
  const batch = await postJson(`${server.url}/v1/models/sentiment/predict`, {
    texts: texts.slice(200),
  });
  assert.equal(batch.body.arm, bucketOf(texts[200] as string) < 1000 ? 'canary' : 'stable');
  assert.equal(batch.body.predictions.length, 200);

  // An explicit version bypasses routing (and may name the candidate).
  const pinned = await postJson(`${server.url}/v1/models/sentiment/predict`, {
    text: TEXT,
    version: candidate,
  });
  assert.equal(pinned.body.version, candidate);
  assert.equal(pinned.body.arm, undefined);

  // The instance's counters reach the registry: every routed request, per arm.
  await server.flushRollouts();
  const rows = await store.reg.rolloutStats(rollout.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.instance, server.instance);
  const stats = rows[0]?.stats as RolloutStats;
  const routed = N + 2000 + 300 + 200 + 1;
  assert.equal(stats.arms.stable.requests + stats.arms.candidate.requests, routed);
  assert.equal(stats.stableVersion, stable);
  assert.equal(stats.candidateVersion, candidate);
  // Every routed text was compared with the other arm off the hot path (or dropped, counted).
  assert.equal(stats.compared + stats.dropped, routed - 1 + 200);
  t.diagnostic(
    `compared ${stats.compared}, dropped ${stats.dropped}, disagreed ${stats.disagreed}`,
  );

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find(
      (l) =>
        l.startsWith('sentio_rollout_requests_total{') &&
        l.includes('arm="candidate"') &&
        l.includes(`version="${candidate}"`),
    );
  assert.ok(line !== undefined, 'rollout requests metric');
  assert.equal(Number(line.split(' ').pop()), stats.arms.candidate.requests);
  assert.match(metrics, /sentio_rollout_info\{[^}]*kind="canary"[^}]*percent="10"/);

  // Stopping the canary in the registry detaches it: everything goes back to stable.
  await store.reg.endRollout(rollout.id, { state: 'stopped' });
  await attached(server, 'canary', null);
  const after = await askAll(
    c,
    keys.slice(0, 500).map((key) => ({ model: 'sentiment', text: TEXT, key })),
  );
  for (const a of after) {
    assert.equal(a.arm, 'stable');
    assert.equal(a.version, stable);
  }
});
