import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutStats } from '../deploy/index.js';
import { makeStore, modelBytes, registerBytes, serve, uci } from './test-support/fixtures.js';
import {
  askAll,
  attached,
  flippedModelBytes,
  labelsOf,
  misbehavingEngine,
  slotState,
  startRollout,
} from './test-support/rollouts.js';
import { TestWs } from './test-support/ws-client.js';

test('shadow: agreement and confusion table exactly as the engine says, per text', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const stableBytes = await modelBytes(0);
  const candBytes = await flippedModelBytes(3);
  const candidate = await registerBytes(store.reg, 'sentiment', candBytes);
  const server = await serve(t, store, { registry: store.reg, rolloutFlushMs: 100 });
  const rollout = await startRollout(store.reg, {
    kind: 'shadow',
    version: candidate,
    percent: 100,
  });
  await attached(server, 'shadow', rollout.id);

  const texts = (await uci()).texts.slice(0, 1000);
  const expectStable = await labelsOf(stableBytes, texts);
  const expectCand = await labelsOf(candBytes, texts);
  let disagree = 0;
  const confusion: Record<string, Record<string, number>> = {};
  texts.forEach((_, i) => {
    const s = expectStable[i] as string;
    const c = expectCand[i] as string;
    if (s !== c) disagree++;
    const row = confusion[s] ?? {};
    row[c] = (row[c] ?? 0) + 1;
    confusion[s] = row;
  });
  assert.ok(disagree > 50 && disagree < 900, `a useful pair of models (${disagree} disagree)`);

  const c = await TestWs.open(server.url);
  t.after(() => c.close());
  // In chunks the off-path queue always holds, so nothing is dropped and the numbers are exact.
  for (let i = 0; i < texts.length; i += 100) {
    const chunk = texts.slice(i, i + 100);
    const answers = await askAll(
      c,
      chunk.map((text) => ({ model: 'sentiment', text })),
      20,
    );
    answers.forEach((a, j) => {
      assert.equal(a.version, store.versions[0], 'the stable version answers');
      assert.equal(a.arm, 'stable');
      assert.equal(a.label, expectStable[i + j]);
    });
    await server.flushRollouts();
  }
  const rows = await store.reg.rolloutStats(rollout.id);
  const stats = rows[0]?.stats as RolloutStats;
  assert.equal(stats.dropped, 0);
  assert.equal(stats.compared, texts.length);
  assert.equal(stats.disagreed, disagree);
  assert.deepEqual(stats.confusion, confusion);
  assert.equal(stats.arms.stable.requests, texts.length);
  assert.equal(stats.arms.candidate.requests, texts.length);
  assert.equal(stats.arms.candidate.errors, 0);
  t.diagnostic(`shadow agreement ${(1 - disagree / texts.length).toFixed(3)} as expected`);

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(`sentio_rollout_disagreements_total\\{[^}]*kind="shadow"[^}]*\\} ${disagree}\\n`),
  );
});

test('shadow: scoring never delays answers (a candidate 800 ms slow per batch)', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const bytes = await modelBytes(1);
  const candidate = await registerBytes(store.reg, 'sentiment', bytes);
  const sha = (await store.reg.getVersion('sentiment', candidate)).modelSha256;
  const DELAY = 800;
  const server = await serve(t, store, {
    registry: store.reg,
    rolloutFlushMs: 100,
    engine: await misbehavingEngine(sha, { kind: 'slow', ms: DELAY }),
  });
  const rollout = await startRollout(store.reg, {
    kind: 'shadow',
    version: candidate,
    percent: 100,
  });
  await attached(server, 'shadow', rollout.id);

  const c = await TestWs.open(server.url);
  t.after(() => c.close());
  const texts = (await uci()).texts.slice(0, 400);
  const latencies: number[] = [];
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < texts.length) {
      const i = next++;
      const s = performance.now();
      const a = await c.ask({ id: `slow${i}`, model: 'sentiment', text: texts[i] });
      assert.equal(a.error, undefined);
      latencies.push(performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const answeredIn = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const max = latencies[latencies.length - 1] as number;
  t.diagnostic(
    `400 answers in ${answeredIn.toFixed(0)} ms; latency p50 ${latencies[200]?.toFixed(2)} ms, max ${max.toFixed(1)} ms`,
  );
  assert.ok(max < DELAY / 2, `an answer took ${max} ms: it waited for the shadow`);
  // The shadow is still scoring when every answer is already out...
  const live = await slotState(server);
  assert.ok(
    live.shadow.compared < texts.length,
    'shadow scoring finished before the answers: not off-path',
  );
  // ...and catches up afterwards, every text compared.
  await server.flushRollouts();
  const rows = await store.reg.rolloutStats(rollout.id);
  const stats = rows[0]?.stats as RolloutStats;
  assert.equal(stats.compared + stats.dropped, texts.length);
  assert.equal(stats.dropped, 0);
  assert.equal(stats.arms.candidate.requests, texts.length);
});
