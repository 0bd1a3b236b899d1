import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { RolloutRecord } from '../registry/index.js';
import type { RunningServer } from './server.js';
import {
  type Json,
  makeStore,
  modelBytes,
  registerBytes,
  serve,
  type TestStore,
} from './test-support/fixtures.js';
import {
  askAll,
  attached,
  flippedModelBytes,
  misbehavingEngine,
  startRollout,
  until,
} from './test-support/rollouts.js';
import { TestWs } from './test-support/ws-client.js';

const TEXTS = [
  'Great phone, the battery lasts for days and the screen is sharp.',
  'Terrible service, the food was cold and the waiter was rude.',
  'I love this movie, the acting was wonderful.',
  'Worst purchase ever, it broke after one week.',
];

function logSink(): { stream: Writable; lines: Json[] } {
  const lines: Json[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l));
      done();
    },
  });
  return { stream, lines };
}

/** Keyed WebSocket load until the rollout is no longer active in the registry. */
async function loadUntilEnded(
  store: TestStore,
  server: RunningServer,
  rollout: RolloutRecord,
): Promise<{ answers: Json[]; failures: Json[] }> {
  const c = await TestWs.open(server.url);
  const answers: Json[] = [];
  const failures: Json[] = [];
  let n = 0;
  const deadline = Date.now() + 15_000;
  while ((await store.reg.getRollout(rollout.id)).state === 'active') {
    assert.ok(Date.now() < deadline, 'the bad candidate was not aborted in time');
    const batch = Array.from({ length: 100 }, () => {
      n++;
      return { model: 'sentiment', text: TEXTS[n % TEXTS.length], key: `k${n}` };
    });
    for (const a of await askAll(c, batch, 20))
      (a.error === undefined ? answers : failures).push(a);
  }
  // Afterwards: the stable version answers everyone.
  const after = await askAll(
    c,
    Array.from({ length: 500 }, (_, i) => ({
      model: 'sentiment',
      text: TEXTS[i % 4],
      key: `k${i}`,
    })),
  );
  c.close();
  for (const a of after) {
    assert.equal(a.error, undefined);
    assert.equal(a.arm, 'stable');
    assert.equal(a.version, store.versions[0]);
  }
  return { answers, failures };
}

async function metricsText(server: RunningServer): Promise<string> {
  return (await fetch(`${server.url}/metrics`)).text();
}

test('abort: a canary that disagrees heavily is aborted; traffic returns to stable; registry, log and metrics say so', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const bad = await registerBytes(store.reg, 'sentiment', await flippedModelBytes(1));
  const log = logSink();
  const server = await serve(t, store, {
    registry: store.reg,
    rolloutFlushMs: 100,
    log: { level: 'info', stream: log.stream },
  });
  const rollout = await startRollout(store.reg, {
    kind: 'canary',
    version: bad,
    percent: 50,
    thresholds: { minRequests: 100, maxDisagreement: 0.25 },
  });
  await attached(server, 'canary', rollout.id);
  const { answers, failures } = await loadUntilEnded(store, server, rollout);
  assert.deepEqual(failures, [], 'no request failed');
  assert.ok(
    answers.some((a) => a.arm === 'canary' && a.version === bad),
    'the canary did answer',
  );

  const ended = await store.reg.getRollout(rollout.id);
  assert.equal(ended.state, 'aborted');
  assert.equal(ended.endedBy, `server:${server.instance}`);
  const details = ended.endDetails as Json;
  assert.equal(details.metric, 'disagreement');
  assert.equal(details.threshold, 0.25);
  assert.ok(details.value > 0.25, `disagreement ${details.value}`);
  assert.match(String(ended.endReason), /disagrees with the stable version on/);
  const events = await store.reg.deployEvents('sentiment', 'production');
  assert.ok(
    events.some((e) => e.kind === 'canary_aborted'),
    'abort event in the history',
  );

  const line = await until(
    'the abort in the log',
    () => log.lines.find((l) => l.event === 'rollout_aborted'),
    (l) => l !== undefined,
  );
  assert.equal(line.level, 50, 'logged as an error');
  assert.equal(line.metric, 'disagreement');
  assert.equal(line.version, bad);
  assert.match(line.msg, /aborted: .*traffic returns to version 1/);
  assert.match(
    await metricsText(server),
    /sentio_rollout_aborts_total\{[^}]*kind="canary"[^}]*metric="disagreement"[^}]*\} 1\n/,
  );
  const state = await attached(server, 'canary', null);
  assert.equal(state.version, store.versions[0]);
});

test('abort: a canary that fails in the engine costs clients nothing and is aborted on its error rate', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const bad = await registerBytes(store.reg, 'sentiment', await modelBytes(1));
  const sha = (await store.reg.getVersion('sentiment', bad)).modelSha256;
  const server = await serve(t, store, {
    registry: store.reg,
    rolloutFlushMs: 100,
    engine: await misbehavingEngine(sha, { kind: 'fail' }),
  });
  const rollout = await startRollout(store.reg, {
    kind: 'canary',
    version: bad,
    percent: 30,
    thresholds: { minRequests: 50, maxErrorRate: 0.05 },
  });
  await attached(server, 'canary', rollout.id);
  const { answers, failures } = await loadUntilEnded(store, server, rollout);
  assert.deepEqual(failures, [], 'the stable version answered for the failing candidate');
  assert.ok(answers.every((a) => a.version === store.versions[0] && a.arm === 'stable'));
  const ended = await store.reg.getRollout(rollout.id);
  assert.equal(ended.state, 'aborted');
  assert.equal((ended.endDetails as Json).metric, 'error_rate');
  assert.equal((ended.endDetails as Json).value, 1);
  assert.match(
    await metricsText(server),
    /sentio_rollout_aborts_total\{[^}]*metric="error_rate"[^}]*\} 1\n/,
  );
});
