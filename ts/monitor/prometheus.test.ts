// The Prometheus side of alerting, with the real tools (Debian's prometheus
// 2.42 and alertmanager 0.25, installed by the bootstrap): the shipped rules
// use only metric names defined in metric-names.ts (or exported by
// ts/serve/metrics.ts), pass `promtool check rules` and their own unit tests
// (`promtool test rules`); the example configs pass `promtool check config`
// and `amtool check-config`; MonitorMetrics exports what the rules read; and
// a real Prometheus scraping a tiny endpoint fires SentioDrift through a real
// Alertmanager to a webhook receiver, then resolves it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import client from 'prom-client';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { packageRoot } from '../engine/index.js';
import { startReceiver } from './alerts/test-support/receiver.js';
import type { SignalSnapshot } from './alerts/types.js';
import { MONITOR_METRICS, SERVE_METRICS } from './metric-names.js';
import { createMonitorMetrics } from './prom-exporter.js';
import type { Signal } from './signals.js';
import { tempDir } from './test-support/fixtures.js';
import {
  AMTOOL_BIN,
  PROMTOOL_BIN,
  requireTool,
  startAlertmanager,
  startPrometheus,
} from './test-support/prometheus.js';

const run = promisify(execFile);
const ROOT = packageRoot();
const RULES = path.join(ROOT, 'deploy', 'prometheus', 'sentio-rules.yml');
const RULE_TESTS = path.join(ROOT, 'deploy', 'prometheus', 'sentio-rules.test.yml');
const PROM_EXAMPLE = path.join(ROOT, 'deploy', 'prometheus', 'prometheus.example.yml');
const AM_EXAMPLE = path.join(ROOT, 'deploy', 'alertmanager', 'alertmanager.example.yml');

interface RuleDoc {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; for?: string }> }>;
}

function snapshot(tokenJs: number): SignalSnapshot {
  const signal = (
    name: Signal['name'],
    value: number | null,
    over: Partial<Signal> = {},
  ): Signal => ({
    name,
    value,
    threshold: 0.2,
    direction: 'above',
    verdict: value === null ? 'insufficient_data' : value > 0.2 ? 'drift' : 'ok',
    n: 2928,
    minWindow: 100,
    method: 'test',
    ...over,
  });
  return {
    model: 'imdb',
    version: 1,
    at: Date.now(),
    window: { text: 'last 1h', ms: 3_600_000, from: 0, to: 1, predictions: 2928 },
    drift: [
      signal('token_js', tokenJs),
      signal('text_length', 0.3, { direction: 'below', threshold: 0.05 }),
      signal('confidence_psi', null),
    ],
    accuracy: { value: 0.84, labelled: 1000, offline: 0.848 },
    expectedAccuracy: { value: 0.69, predictions: 2928, reference: 0.7 },
    latencyP99Ms: { value: 1.5, n: 2928 },
    volume: { current: 2928, previous: 3000 },
    rolloutAborts: [],
  };
}

describe('Prometheus rules and exporter', () => {
  test('the rules use only metrics defined in metric-names.ts or exported by the server', () => {
    const doc = parseYaml(fs.readFileSync(RULES, 'utf8')) as RuleDoc;
    const known = new Set(
      [...Object.values(MONITOR_METRICS), ...Object.values(SERVE_METRICS)].map((m) => m.name),
    );
    const used = new Set<string>();
    for (const g of doc.groups) {
      for (const r of g.rules) {
        for (const m of r.expr.matchAll(/\b(sentio_[a-z0-9_]+)/g)) {
          used.add((m[1] as string).replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    assert.ok(used.size >= 12, [...used].join(', '));
    for (const name of used) assert.ok(known.has(name), `${name} is not a known metric`);
    // The server's own metrics (ts/serve/metrics.ts) still have the names and labels the rules rely on.
    const serve = fs.readFileSync(path.join(ROOT, 'ts', 'serve', 'metrics.ts'), 'utf8');
    for (const m of Object.values(SERVE_METRICS)) {
      assert.match(serve, new RegExp(`name: '${m.name}'`), `${m.name} in ts/serve/metrics.ts`);
    }
    assert.match(serve, /const rollout = \['model', 'env', 'kind'\]/);
    assert.match(
      serve,
      /name: 'sentio_rollout_aborts_total',[\s\S]{0,200}labelNames: \[\.\.\.rollout, 'metric'\]/,
    );
  });

  test('promtool check rules, promtool test rules, promtool check config, amtool check-config', async (t) => {
    requireTool(PROMTOOL_BIN);
    requireTool(AMTOOL_BIN);
    const check = await run(PROMTOOL_BIN, ['check', 'rules', RULES]);
    assert.match(check.stdout, /SUCCESS: 10 rules found/);
    const unit = await run(PROMTOOL_BIN, ['test', 'rules', path.basename(RULE_TESTS)], {
      cwd: path.dirname(RULE_TESTS),
    });
    assert.match(unit.stdout, /SUCCESS/);
    const config = await run(PROMTOOL_BIN, ['check', 'config', PROM_EXAMPLE]);
    assert.match(config.stdout, /is valid prometheus config file syntax/);
    const am = await run(AMTOOL_BIN, ['check-config', AM_EXAMPLE]);
    assert.match(am.stdout, /SUCCESS/);
    // promtool does fail on a broken rule (so the checks above mean something).
    const bad = path.join(tempDir(t), 'bad.yml');
    fs.writeFileSync(
      bad,
      'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sentio_drift_signal >\n',
    );
    await assert.rejects(run(PROMTOOL_BIN, ['check', 'rules', bad]));
  });

  test('MonitorMetrics exports the window gauges, absent when there is no verdict', async () => {
    const registry = new client.Registry();
    const counters = { dropped: 7, failed: 0, logged: 100, queueDepth: 3 };
    const mm = await createMonitorMetrics(registry, {
      logger: () =>
        ({
          ...counters,
          flushed: 93,
          sampledOut: 0,
          invalid: 0,
          batches: 1,
          lastFlushMs: 1,
        }) as never,
    });
    mm.update([snapshot(0.43), { ...snapshot(0), model: 'idle', version: null }]);
    mm.alerts([
      { model: 'imdb', rule: 'drift', severity: 'warning', state: 'firing' },
      { model: 'imdb', rule: 'drift', severity: 'warning', state: 'firing' },
    ] as never);
    mm.delivery({ notifier: 'webhook:x', outcome: 'delivered', attempts: 1 });
    const text = await registry.metrics();
    const has = (line: string) => assert.ok(text.includes(`${line}\n`), `${line} in\n${text}`);
    has('sentio_drift_signal{model="imdb",version="1",signal="token_js"} 0.43');
    has('sentio_drift_threshold{model="imdb",version="1",signal="token_js",direction="above"} 0.2');
    has(
      'sentio_drift_threshold{model="imdb",version="1",signal="text_length",direction="below"} 0.05',
    );
    has('sentio_drift_window_size{model="imdb",version="1",signal="token_js"} 2928');
    has('sentio_live_accuracy{model="imdb",version="1"} 0.84');
    has('sentio_live_labelled{model="imdb",version="1"} 1000');
    has('sentio_offline_accuracy{model="imdb",version="1"} 0.848');
    has('sentio_expected_accuracy{model="imdb",version="1"} 0.69');
    has('sentio_reference_expected_accuracy{model="imdb",version="1"} 0.7');
    has('sentio_monitor_window_predictions{model="imdb",version="1"} 2928');
    has('sentio_prediction_latency_p99_seconds{model="imdb",version="1"} 0.0015');
    has('sentio_prediction_log_dropped_total 7');
    has('sentio_prediction_log_logged_total 100');
    has('sentio_prediction_log_queue_depth 3');
    has('sentio_alerts{model="imdb",rule="drift",severity="warning",state="firing"} 2');
    has('sentio_alert_notifications_total{notifier="webhook:x",outcome="delivered"} 1');
    assert.doesNotMatch(text, /signal="confidence_psi"/);
    assert.doesNotMatch(text, /model="idle"/);
    for (const m of Object.values(MONITOR_METRICS))
      assert.match(text, new RegExp(`# TYPE ${m.name} ${m.type}`));
    // A later evaluation replaces the numbers (a signal that lost its verdict disappears).
    counters.dropped = 9;
    mm.update([{ ...snapshot(0.1), drift: [] }]);
    const next = await registry.metrics();
    assert.doesNotMatch(next, /sentio_drift_signal\{/);
    assert.ok(next.includes('sentio_prediction_log_dropped_total 9\n'));
  });

  test('a real Prometheus fires SentioDrift through a real Alertmanager to a webhook, then resolves it', async (t) => {
    const t0 = performance.now();
    const dir = tempDir(t);
    // The shipped rules with every `for` shortened to 2s (the expressions are what is tested).
    const doc = parseYaml(fs.readFileSync(RULES, 'utf8')) as RuleDoc;
    for (const g of doc.groups) for (const r of g.rules) if (r.for !== undefined) r.for = '2s';
    const rulesFile = path.join(dir, 'rules.yml');
    fs.writeFileSync(rulesFile, toYaml(doc));

    // A tiny /metrics endpoint exporting one model's drift through MonitorMetrics.
    const registry = new client.Registry();
    const mm = await createMonitorMetrics(registry);
    mm.update([snapshot(0.43)]);
    const endpoint = http.createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(await registry.metrics());
    });
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => endpoint.close(() => r())));
    const target = `127.0.0.1:${(endpoint.address() as AddressInfo).port}`;

    const rx = await startReceiver();
    t.after(() => rx.close());
    const am = await startAlertmanager({ webhookUrl: rx.url });
    t.after(() => am.stop());
    const prom = await startPrometheus({
      scrapeTargets: [target],
      rulesFile,
      alertmanager: am.address,
    });
    t.after(() => prom.stop());
    const started = performance.now();

    type AmPayload = {
      status: string;
      alerts: Array<{
        status: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
      }>;
    };
    const drift = (status: string) => (reqs: typeof rx.requests) =>
      reqs.some((r) => {
        const p = r.json as AmPayload;
        return p.alerts.some((a) => a.labels.alertname === 'SentioDrift' && a.status === status);
      });
    await rx.waitFor(drift('firing'), 30_000).catch((e) => {
      throw new Error(
        `${e}\n--- prometheus ---\n${prom.output()}\n--- alertmanager ---\n${am.output()}`,
      );
    });
    const fired = performance.now();
    const firing = rx.requests.map((r) => r.json as AmPayload).find((p) => p.status === 'firing');
    const alert = firing?.alerts.find((a) => a.labels.alertname === 'SentioDrift');
    assert.deepEqual(alert?.labels, {
      alertname: 'SentioDrift',
      model: 'imdb',
      version: '1',
      signal: 'token_js',
      severity: 'warning',
    });
    assert.equal(alert?.annotations.summary, 'imdb@1: token_js drift');
    assert.match(alert?.annotations.description ?? '', /^token_js is 0\.4300, past its line/);
    // text_length (p-value 0.3, line "below" 0.05) does not fire.
    assert.ok(!rx.requests.some((r) => JSON.stringify(r.json).includes('"signal":"text_length"')));

    // The drift goes away: the value drops under the line, the alert resolves.
    mm.update([snapshot(0.05)]);
    await rx.waitFor(drift('resolved'), 30_000);
    const resolved = performance.now();
    t.diagnostic(
      `tools ready in ${((started - t0) / 1000).toFixed(1)} s; firing webhook after ${((fired - started) / 1000).toFixed(1)} s; resolved webhook ${((resolved - fired) / 1000).toFixed(1)} s later`,
    );
    assert.ok(resolved - t0 < 60_000);
  });
});
