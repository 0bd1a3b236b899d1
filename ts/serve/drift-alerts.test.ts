// The drift case through a running server: a model trained on IMDB
// train.csv (a seeded subsample) fed IMDB test.csv traffic reports no drift
// on /metrics and GET /v1/models/imdb/monitor; fed airline tweets it reports
// token and OOV drift, and the server's own alert engine (rules from the
// store) fires to a webhook receiver (node:http), signed; fed IMDB reviews
// again, the alert resolves. The monitoring window is the newest 1500
// predictions (above 1000 the length test is Wasserstein's, as in the
// library's tests) and token counts are bucketed by the second, so each
// phase is measured on its own traffic.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startReceiver } from '../monitor/alerts/test-support/receiver.js';
import {
  openAlertStore,
  SIGNATURE_HEADER,
  setRules,
  verifySignature,
  type WebhookPayload,
} from '../monitor/index.js';
import { AIRLINE, dataset, every, HAVE_DATA, IMDB_TEST } from '../monitor/test-support/fixtures.js';
import { startServer } from './server.js';
import { type Json, makeStore, registerBytes, serve } from './test-support/fixtures.js';
import { imdbStore, metric, samples, scrape, wsLoad } from './test-support/monitoring.js';
import { attached, flippedModelBytes, startRollout } from './test-support/rollouts.js';

const SECRET = 'serve-alert-secret';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('drift and alerts inside sentio serve', { skip: !HAVE_DATA && 'no shared data' }, () => {
  test('IMDB traffic: no drift; airline tweets: token and OOV drift, alert fires to a webhook, then resolves', async (t) => {
    const store = await imdbStore(t);
    const alerts = await openAlertStore(store.dir);
    await setRules(
      alerts,
      'imdb',
      {
        defaults: false,
        rules: [{ name: 'drift', kind: 'drift', for: '0s', severity: 'warning' }],
      },
      { who: 'test' },
    );
    await alerts.close();
    const rx = await startReceiver();
    t.after(() => rx.close());
    const s = await startServer({
      store: store.dir,
      port: 0,
      models: ['imdb@production'],
      log: { level: 'silent' },
      // Every text measured; token counts per second, so phases a second apart do not mix.
      predictionLog: { driftMaxPerSecond: Number.POSITIVE_INFINITY, bucketMs: 1000 },
      monitoring: {
        intervalMs: 60_000, // evaluated by the test, when each phase is logged
        windowMs: 600_000,
        maxPredictions: 1500,
        alerts: { webhooks: [{ url: rx.url, secret: SECRET }] },
      },
    });
    t.after(() => s.close());

    const imdb = await dataset(IMDB_TEST);
    const airline = await dataset(AIRLINE);
    const send = (texts: readonly string[]) =>
      wsLoad(
        s.url,
        Array.from({ length: Math.ceil(texts.length / 100) }, (_, b) => ({
          model: 'imdb',
          texts: texts.slice(b * 100, b * 100 + 100),
        })),
        4,
      );
    const phase = async (texts: readonly string[]) => {
      await sleep(1100); // a fresh token bucket
      for (const a of await send(texts)) assert.equal(a.error, undefined, JSON.stringify(a));
      await s.flushPredictionLog();
      const evaluation = await s.evaluateMonitoring();
      assert.ok(evaluation !== null, 'the evaluation ran');
      const report = (await (
        await fetch(`${s.url}/v1/models/imdb/monitor?window=1500`)
      ).json()) as Json;
      return { evaluation, report, metrics: await scrape(s.url) };
    };
    const verdicts = (r: Json) =>
      Object.values(r.signals as Record<string, Json>)
        .map((x) => `${x.name}=${x.value?.toFixed(4)} ${x.verdict}`)
        .join(', ');

    // 1. IMDB test reviews: no drift, nothing fires.
    const one = await phase(every(imdb.texts, 15, 5).slice(0, 1500));
    t.diagnostic(`IMDB traffic: ${verdicts(one.report)}`);
    assert.equal(one.report.drift, false, verdicts(one.report));
    for (const x of Object.values(one.report.signals as Record<string, Json>)) {
      assert.equal(x.verdict, 'ok', x.name);
    }
    const mv = { model: 'imdb', version: String(store.version) };
    for (const signal of ['token_js', 'oov_rate', 'prediction_psi', 'confidence_psi']) {
      const value = metric(one.metrics, 'sentio_drift_signal', { ...mv, signal });
      const line = metric(one.metrics, 'sentio_drift_threshold', { ...mv, signal });
      assert.ok(value !== undefined && line !== undefined, `${signal} on /metrics`);
      assert.ok(value <= line, `${signal} ${value} under ${line}`);
      assert.equal(value, one.report.signals[signal].value);
    }
    assert.equal(metric(one.metrics, 'sentio_monitor_window_predictions', mv), 1500);
    assert.ok((metric(one.metrics, 'sentio_expected_accuracy', mv) ?? 0) > 0.5);
    assert.equal(samples(one.metrics, 'sentio_alerts').length, 0);
    assert.equal(one.evaluation.open.length, 0);
    assert.equal(rx.requests.length, 0);

    // 2. Airline tweets: token and OOV drift; the drift alert fires and reaches the webhook.
    const two = await phase(every(airline.texts, 7, 1).slice(0, 1500));
    t.diagnostic(`airline traffic: ${verdicts(two.report)}`);
    assert.equal(two.report.drift, true);
    assert.equal(two.report.signals.token_js.verdict, 'drift');
    assert.equal(two.report.signals.oov_rate.verdict, 'drift');
    for (const signal of ['token_js', 'oov_rate']) {
      const value = metric(two.metrics, 'sentio_drift_signal', { ...mv, signal }) as number;
      const line = metric(two.metrics, 'sentio_drift_threshold', { ...mv, signal }) as number;
      assert.ok(value > line, `${signal} ${value} over ${line}`);
    }
    const firing = (signal: string) => (reqs: typeof rx.requests) =>
      reqs.some((r) => {
        const p = r.json as WebhookPayload;
        return p.status === 'firing' && p.alerts[0]?.labels.signal === signal;
      });
    await rx.waitFor((reqs) => firing('token_js')(reqs) && firing('oov_rate')(reqs));
    for (const r of rx.requests) {
      assert.ok(verifySignature(SECRET, r.body, r.headers[SIGNATURE_HEADER]));
      const p = r.json as WebhookPayload;
      assert.equal(p.alerts[0]?.labels.alertname, 'drift');
      assert.equal(p.alerts[0]?.labels.model, 'imdb');
    }
    const open = two.evaluation.open
      .filter((a) => a.state === 'firing')
      .map((a) => a.labels.signal);
    assert.ok(open.includes('token_js') && open.includes('oov_rate'), open.join(','));
    assert.equal(
      metric(two.metrics, 'sentio_alerts', { model: 'imdb', rule: 'drift', state: 'firing' }),
      open.length,
    );

    // 3. IMDB reviews again: the window is back to normal, the alerts resolve.
    const three = await phase(every(imdb.texts, 15, 11).slice(0, 1500));
    t.diagnostic(`IMDB traffic again: ${verdicts(three.report)}`);
    assert.equal(three.report.drift, false, verdicts(three.report));
    assert.equal(three.evaluation.open.length, 0);
    const resolved = (signal: string) => (reqs: typeof rx.requests) =>
      reqs.some((r) => {
        const p = r.json as WebhookPayload;
        return p.status === 'resolved' && p.alerts[0]?.labels.signal === signal;
      });
    await rx.waitFor((reqs) => resolved('token_js')(reqs) && resolved('oov_rate')(reqs));
    assert.equal(samples(await scrape(s.url), 'sentio_alerts').length, 0);
  });

  test('a canary aborted automatically raises an alert at once (default rules) that reaches the webhook', async (t) => {
    const store = await makeStore(t, 'sentiment', 1);
    const bad = await registerBytes(store.reg, 'sentiment', await flippedModelBytes(1));
    const rx = await startReceiver();
    t.after(() => rx.close());
    const server = await serve(t, store, {
      registry: store.reg,
      rolloutFlushMs: 100,
      // The schedule is far away: the alert must come from the evaluation the abort triggers.
      monitoring: { intervalMs: 3_600_000, alerts: { webhooks: [{ url: rx.url }] } },
    });
    await server.evaluateMonitoring();
    const rollout = await startRollout(store.reg, {
      kind: 'canary',
      version: bad,
      percent: 50,
      thresholds: { minRequests: 100, maxDisagreement: 0.25 },
    });
    await attached(server, 'canary', rollout.id);
    const texts = ['great phone, love it', 'awful food, rude staff', 'wonderful film', 'it broke'];
    const deadline = Date.now() + 15_000;
    let n = 0;
    while ((await store.reg.getRollout(rollout.id)).state === 'active') {
      assert.ok(Date.now() < deadline, 'the canary was not aborted in time');
      await wsLoad(
        server.url,
        Array.from({ length: 200 }, () => ({
          model: 'sentiment',
          text: texts[n++ % 4],
          key: `k${n}`,
        })),
      );
    }
    const got = await rx.waitFor((reqs) =>
      reqs.some(
        (r) => (r.json as WebhookPayload).alerts[0]?.labels.alertname === 'rollout_aborted',
      ),
    );
    const p = got.find(
      (r) => (r.json as WebhookPayload).alerts[0]?.labels.alertname === 'rollout_aborted',
    )?.json as WebhookPayload;
    assert.equal(p.status, 'firing');
    assert.equal(p.alerts[0]?.labels.model, 'sentiment');
    assert.equal(p.alerts[0]?.labels.severity, 'critical');
    const m = await scrape(server.url);
    assert.equal(
      metric(m, 'sentio_alerts', { model: 'sentiment', rule: 'rollout_aborted', state: 'firing' }),
      1,
    );
    assert.ok((metric(m, 'sentio_alert_notifications_total', { outcome: 'delivered' }) ?? 0) >= 1);
  });
});
