// The alerting case outside the server: a model trained on IMDB
// train.csv (seeded subsample) fed IMDB test.csv traffic raises no drift
// alert; fed airline tweets, the drift rule fires on the token and OOV
// signals and a signed webhook reaches a real receiver. Also times one
// evaluation over a full 10 000-prediction window.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PredictionLogger } from '../logger.js';
import { openMonitorStore } from '../open.js';
import {
  AIRLINE,
  dataset,
  every,
  feed,
  HAVE_DATA,
  IMDB_TEST,
  type TrainedImdb,
  tempDir,
  trainImdb,
} from '../test-support/fixtures.js';
import { SignalCollector } from './collect.js';
import { AlertEngine } from './engine.js';
import type { WebhookPayload } from './payload.js';
import { setRules } from './rule-store.js';
import { verifySignature } from './signature.js';
import { openAlertStore } from './sqlite-store.js';
import { startReceiver } from './test-support/receiver.js';
import { WebhookNotifier } from './webhook.js';

const SECRET = 'imdb-secret';

describe('alerting on an IMDB model', { skip: !HAVE_DATA && 'no shared data' }, () => {
  let m: TrainedImdb;
  const cleanups: Array<() => void | Promise<void>> = [];
  const t = { after: (fn: () => void | Promise<void>) => cleanups.push(fn) };

  before(async () => {
    m = await trainImdb(path.join(tempDir(t), 'store'));
  });
  after(async () => {
    await m?.registry.close();
    for (const fn of cleanups.reverse()) await fn();
  });

  /** Log `texts` into a fresh monitor store and evaluate the drift rule once (for: 0s). */
  async function evaluate(texts: readonly string[], prefix: string) {
    const dir = tempDir(t);
    const backend = await openMonitorStore(dir);
    const logger = new PredictionLogger(backend);
    logger.attach('imdb', m.version, m.model, m.profile.reference);
    feed(logger, m, texts, { prefix });
    await logger.close({ closeBackend: false });
    const store = await openAlertStore(dir);
    await setRules(store, 'imdb', { rules: [{ name: 'drift', for: '0s' }] }, { who: 'test' });
    const rx = await startReceiver();
    const engine = new AlertEngine({
      signals: () => new SignalCollector({ backend, registry: m.registry }).collect(),
      store,
      notifiers: [new WebhookNotifier({ url: rx.url, secret: SECRET })],
    });
    const result = await engine.evaluate();
    await engine.stop();
    await rx.close();
    await store.close();
    await backend.close();
    const drift = result.transitions.filter((x) => x.alert.rule === 'drift');
    return { result, drift, requests: rx.requests };
  }

  test('IMDB test traffic: no drift alert', async () => {
    const test = await dataset(IMDB_TEST);
    const { drift, requests, result } = await evaluate(every(test.texts, 7, 3), 'imdb');
    assert.deepEqual(result.failed, []);
    assert.deepEqual(
      drift.map((x) => x.alert.summary),
      [],
    );
    assert.equal(requests.length, 0);
  });

  test('airline tweets: drift fires on tokens and OOV, a signed webhook arrives', async () => {
    const air = await dataset(AIRLINE);
    const t0 = performance.now();
    const { drift, requests, result } = await evaluate(air.texts, 'air');
    const fired = new Set(drift.filter((x) => x.to === 'firing').map((x) => x.alert.labels.signal));
    assert.ok(fired.has('token_js'), [...fired].join(', '));
    assert.ok(fired.has('oov_rate'), [...fired].join(', '));
    const hooks = requests.map((r) => r.json as WebhookPayload);
    assert.equal(hooks.length, fired.size);
    for (const r of requests)
      assert.ok(verifySignature(SECRET, r.body, r.headers['x-sentio-signature-256']));
    assert.ok(
      hooks.some((h) => h.alerts[0]?.labels.signal === 'token_js' && h.status === 'firing'),
    );
    // The window is capped at 10 000 predictions whatever the traffic.
    assert.ok(air.texts.length > 10_000);
    console.log(
      `airline: ${air.texts.length} predictions logged; one evaluation over the newest 10 000 took ${result.durationMs.toFixed(0)} ms (test ${(performance.now() - t0).toFixed(0)} ms); fired: ${[...fired].join(', ')}`,
    );
  });
});
