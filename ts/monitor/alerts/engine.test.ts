// AlertEngine end to end outside the server: a real model, real predictions
// logged through PredictionLogger into monitor.db, the SignalCollector reading
// them and the registry, rules from the store, and a real webhook receiver.
// Drift injected → pending → firing → one signed webhook per signal; traffic
// back to normal → resolved; nothing sent twice. Then error rate from server
// counters, an aborted canary from the registry, failure isolation and the
// schedule.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Registry } from '../../registry/index.js';
import { registerFake } from '../../registry/test-support/fixtures.js';
import { PredictionLogger } from '../logger.js';
import { openMonitorStore } from '../open.js';
import { tempDir } from '../test-support/fixtures.js';
import type { MonitorBackend } from '../types.js';
import { SignalCollector } from './collect.js';
import { AlertEngine } from './engine.js';
import { LogNotifier } from './log-notifier.js';
import type { WebhookPayload } from './payload.js';
import { setRules } from './rule-store.js';
import { verifySignature } from './signature.js';
import { openAlertStore } from './sqlite-store.js';
import { type Receiver, startReceiver } from './test-support/receiver.js';
import {
  driftedTexts,
  logTraffic,
  normalTexts,
  type SampleModel,
  trainSample,
} from './test-support/traffic.js';
import type { AlertStore, SignalSnapshot } from './types.js';
import { WebhookNotifier } from './webhook.js';

const MIN = 60_000;
const SECRET = 'hook-secret';

describe('AlertEngine on real traffic', () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  const t = { after: (fn: () => void) => cleanups.push(fn) };
  let dir = '';
  let sample: SampleModel;
  let backend: MonitorBackend;
  let store: AlertStore;
  let rx: Receiver;
  // Fake time on a 5-minute boundary near now (rollouts' end times are real).
  const T0 = Math.ceil(Date.now() / (5 * MIN)) * 5 * MIN;
  let now = T0;

  before(async () => {
    dir = path.join(tempDir(t), 'store');
    sample = await trainSample(dir);
    backend = await openMonitorStore(dir);
    store = await openAlertStore(dir);
    rx = await startReceiver();
  });

  after(async () => {
    await rx.close();
    await store.close();
    await backend.close();
    await sample.registry.close();
    for (const fn of cleanups.reverse()) await fn();
  });

  async function log(texts: string[], prefix: string, from: number, to: number) {
    const logger = new PredictionLogger(backend, { bucketMs: MIN, textMode: 'none' });
    logger.attach(sample.name, sample.version, sample.model, sample.profile.reference);
    logTraffic(logger, sample, texts, { prefix, from, to });
    await logger.flush();
    await logger.close({ closeBackend: false });
  }

  test('drift injected fires once per signal (signed webhook + log), then resolves', async () => {
    await setRules(
      store,
      'fb',
      // The input signals: the "normal" traffic is the training sentences themselves, on
      // which the model is more confident than on its held-out evaluation set (confidence_psi).
      { rules: [{ name: 'drift', for: '2m', signals: ['token_js', 'oov_rate', 'text_length'] }] },
      { who: 'test', source: 'test rules' },
    );
    const lines: string[] = [];
    const collector = new SignalCollector({
      backend,
      registry: sample.registry,
      windowMs: 10 * MIN,
      clock: () => now,
    });
    const engine = new AlertEngine({
      signals: () => collector.collect(),
      store,
      notifiers: [
        new WebhookNotifier({ url: rx.url, secret: SECRET, name: 'ops' }),
        new LogNotifier({ info: (_, m) => lines.push(m), warn: (_, m) => lines.push(m) }),
      ],
      clock: () => now,
    });
    const drifting = () =>
      rx.requests.filter((r) => (r.json as WebhookPayload).sentio.rule === 'drift');

    // In-distribution traffic: no drift alert at all.
    await log(normalTexts(720), 'n1', T0 - 9 * MIN, T0);
    let r = await engine.evaluate();
    assert.deepEqual(r.failed, []);
    assert.deepEqual(
      r.transitions.filter((x) => x.alert.rule === 'drift').map((x) => x.alert.summary),
      [],
    );

    // Drifted traffic: pending first (for: 2m), nothing sent.
    await log(driftedTexts(720), 'd1', T0 + 1, T0 + 10 * MIN);
    now = T0 + 10 * MIN;
    r = await engine.evaluate();
    const pending = r.transitions.filter((x) => x.alert.rule === 'drift');
    assert.deepEqual(
      pending.map((x) => [x.alert.labels.signal, x.to]).sort(),
      [
        ['oov_rate', 'pending'],
        ['text_length', 'pending'],
        ['token_js', 'pending'],
      ],
      JSON.stringify(pending.map((x) => x.alert.summary)),
    );

    // Two minutes later, still drifted: firing, one webhook per signal.
    now = T0 + 12 * MIN;
    r = await engine.evaluate();
    assert.deepEqual(
      r.transitions.filter((x) => x.alert.rule === 'drift').map((x) => x.to),
      ['firing', 'firing', 'firing'],
    );
    await rx.waitFor(() => drifting().length === 3);
    for (const req of drifting()) {
      assert.ok(verifySignature(SECRET, req.body, req.headers['x-sentio-signature-256']));
      const p = req.json as WebhookPayload;
      assert.equal(p.status, 'firing');
      assert.equal(p.alerts[0]?.labels.model, 'fb');
      assert.equal(p.alerts[0]?.labels.severity, 'warning');
    }
    const tokenJs = drifting().find(
      (q) => (q.json as WebhookPayload).alerts[0]?.labels.signal === 'token_js',
    );
    assert.match(
      (tokenJs?.json as WebhookPayload | undefined)?.alerts[0]?.annotations.summary ?? '',
      /^fb@1: token_js 0\.\d{4} > 0\.2000 over \d+ texts$/,
    );
    assert.equal(lines.filter((l) => /^alert drift FIRING/.test(l)).length, 3);

    // Evaluating again changes nothing and sends nothing (de-duplicated).
    now = T0 + 13 * MIN;
    r = await engine.evaluate();
    assert.equal(r.transitions.filter((x) => x.alert.rule === 'drift').length, 0);

    // Back to normal traffic after a quiet gap: resolved, one webhook each.
    await log(normalTexts(720), 'n2', T0 + 15 * MIN, T0 + 25 * MIN);
    now = T0 + 25 * MIN;
    r = await engine.evaluate();
    assert.deepEqual(
      r.transitions.filter((x) => x.alert.rule === 'drift').map((x) => x.to),
      ['resolved', 'resolved', 'resolved'],
    );
    await rx.waitFor(() => drifting().length === 6);
    const resolved = drifting().slice(3);
    assert.ok(resolved.every((q) => (q.json as WebhookPayload).status === 'resolved'));
    assert.ok(
      resolved.every(
        (q) => (q.json as WebhookPayload).alerts[0]?.endsAt !== '0001-01-01T00:00:00Z',
      ),
    );
    await engine.stop();

    const history = (await store.history({ model: 'fb' })).filter((e) => e.rule === 'drift');
    assert.equal(history.length, 9); // 3 × (pending, firing, resolved)
    const deliveries = (await store.deliveries({ model: 'fb' })).filter((d) => d.rule === 'drift');
    assert.equal(deliveries.length, 12); // 6 notifications × (webhook, log)
    assert.ok(deliveries.every((d) => d.outcome === 'delivered'));
  });

  test('error rate (server counters), aborted canary (registry), failures isolated', async () => {
    // Model "m": two fake versions, production on 1, a canary of 2 that aborts.
    const reg: Registry = sample.registry;
    await registerFake(reg, 'm', 'one');
    await registerFake(reg, 'm', 'two');
    await reg.moveEnvironment('m', 'production', 1);
    const canary = await reg.startRollout({
      model: 'm',
      env: 'production',
      kind: 'canary',
      version: 2,
      percent: 10,
    });
    await reg.endRollout(
      canary.id,
      { state: 'aborted', details: { metric: 'error_rate' } },
      { reason: 'error_rate 0.3 > 0.05' },
    );

    let counts = { requests: 0, errors: 0 };
    const collector = new SignalCollector({
      backend,
      registry: reg,
      windowMs: 10 * MIN,
      models: () => ['fb', 'm', 'broken'],
      requestCounts: (model) => (model === 'fb' ? counts : undefined),
      clock: () => now,
    });
    const errors: unknown[] = [];
    const engine = new AlertEngine({
      signals: () => collector.collect(),
      store,
      rules: async (model) => {
        if (model === 'broken') throw new Error('rules unavailable');
        const { getRuleSet } = await import('./rule-store.js');
        return (await getRuleSet(store, model)).rules;
      },
      notifiers: [new WebhookNotifier({ url: rx.url, secret: SECRET })],
      clock: () => now,
      onError: (e) => errors.push(e),
    });
    await setRules(store, 'fb', { rules: [{ name: 'error_rate', for: '0s' }] }, { who: 'test' });

    now = T0 + 30 * MIN;
    counts = { requests: 1000, errors: 10 };
    let r = await engine.evaluate();
    assert.deepEqual(r.failed, ['broken']);
    assert.match(String(errors[0]), /rules unavailable/);
    const aborted = r.transitions.find(
      (x) => x.alert.model === 'm' && x.alert.rule === 'rollout_aborted',
    );
    assert.equal(aborted?.to, 'firing');
    assert.deepEqual(aborted?.alert.labels, {
      env: 'production',
      kind: 'canary',
      rollout: String(canary.id),
      version: '2',
    });
    assert.match(
      aborted?.alert.summary ?? '',
      /canary of version 2 .* aborted .*error_rate 0\.3 > 0\.05/,
    );
    assert.equal(
      r.transitions.find((x) => x.alert.rule === 'error_rate'),
      undefined,
    );

    counts = { requests: 2000, errors: 110 }; // 100 errors in the last 1000 requests
    now += MIN;
    r = await engine.evaluate();
    const er = r.transitions.find((x) => x.alert.rule === 'error_rate');
    assert.equal(er?.to, 'firing');
    assert.equal(er?.alert.value, 0.1);
    counts = { requests: 3000, errors: 111 };
    now += MIN;
    r = await engine.evaluate();
    assert.equal(r.transitions.find((x) => x.alert.rule === 'error_rate')?.to, 'resolved');

    await rx.waitFor((reqs) =>
      ['rollout_aborted:firing', 'error_rate:firing', 'error_rate:resolved'].every((want) =>
        reqs.some((q) => {
          const p = q.json as WebhookPayload;
          return `${p.sentio.rule}:${p.status}` === want;
        }),
      ),
    );
    await engine.stop();
  });

  test('the schedule evaluates in the background; stop() waits', async () => {
    let calls = 0;
    const snapshots: SignalSnapshot[] = [];
    const engine = new AlertEngine({
      signals: async () => {
        calls++;
        await new Promise((res) => setTimeout(res, 30));
        return snapshots;
      },
      store,
      intervalMs: 10,
    });
    engine.start();
    engine.start(); // idempotent
    await new Promise((res) => setTimeout(res, 200));
    await engine.stop();
    const c = engine.counters();
    assert.ok(calls >= 2, `${calls} evaluations`);
    assert.ok(c.skipped >= 1, 'ticks during a running evaluation are skipped');
    assert.equal(c.evaluations, calls);
    const before = calls;
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(calls, before, 'no evaluation after stop()');
  });
});
