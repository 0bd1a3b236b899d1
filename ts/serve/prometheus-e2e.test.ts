// End to end with the real tools: a real Prometheus (Debian's package, as
// the bootstrap installs it) scrapes a running `sentio serve` (the CLI, its
// own process) with the shipped rules (deploy/prometheus/sentio-rules.yml,
// every `for` shortened to 2s); IMDB traffic keeps SentioDrift quiet,
// airline tweets fire it for the token and OOV signals through a real
// Alertmanager to a webhook receiver, and IMDB traffic again resolves it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { packageRoot } from '../engine/index.js';
import { startReceiver } from '../monitor/alerts/test-support/receiver.js';
import { AIRLINE, dataset, every, HAVE_DATA, IMDB_TEST } from '../monitor/test-support/fixtures.js';
import { startAlertmanager, startPrometheus } from '../monitor/test-support/prometheus.js';
import { spawnServe } from './test-support/cli-server.js';
import { type Json, tempDir } from './test-support/fixtures.js';
import { imdbStore, wsLoad } from './test-support/monitoring.js';

const RULES = path.join(packageRoot(), 'deploy', 'prometheus', 'sentio-rules.yml');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type AmPayload = {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
};

describe('Prometheus and Alertmanager on a running sentio serve', {
  skip: !HAVE_DATA && 'no shared data',
}, () => {
  test('the shipped rules fire SentioDrift on airline traffic through Alertmanager, then resolve it', async (t) => {
    const t0 = performance.now();
    const store = await imdbStore(t);
    const doc = parseYaml(fs.readFileSync(RULES, 'utf8')) as {
      groups: Array<{ rules: Array<{ for?: string }> }>;
    };
    for (const g of doc.groups) for (const r of g.rules) if (r.for !== undefined) r.for = '2s';
    const rulesFile = path.join(tempDir(t), 'rules.yml');
    fs.writeFileSync(rulesFile, toYaml(doc));

    const serve = await spawnServe([
      '--store',
      store.dir,
      '--model',
      'imdb@production',
      '--monitor-interval',
      '1s',
      '--monitor-max-predictions',
      '1500',
      '--drift-bucket',
      '1s',
      '--drift-max-per-second',
      '100000',
      '--no-alerts',
    ]);
    t.after(() => serve.stop('SIGKILL'));
    const rx = await startReceiver();
    t.after(() => rx.close());
    const am = await startAlertmanager({ webhookUrl: rx.url });
    t.after(() => am.stop());
    const prom = await startPrometheus({
      scrapeTargets: [new URL(serve.url).host],
      rulesFile,
      alertmanager: am.address,
    });
    t.after(() => prom.stop());
    const ready = performance.now();

    const query = async (q: string): Promise<Json[]> => {
      const r = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
      return ((await r.json()) as Json).data.result as Json[];
    };
    /** Poll Prometheus until `q` has a series matching `pred` (it scrapes every second). */
    const until = async (q: string, pred: (rs: Json[]) => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const rs = await query(q);
        if (pred(rs)) return rs;
        if (Date.now() > deadline)
          throw new Error(`${what}: ${JSON.stringify(rs)}\n${prom.output()}`);
        await sleep(250);
      }
    };
    const send = async (texts: readonly string[]) => {
      await sleep(1100); // a fresh token bucket
      const answers = await wsLoad(
        serve.url,
        Array.from({ length: Math.ceil(texts.length / 100) }, (_, b) => ({
          model: 'imdb',
          texts: texts.slice(b * 100, b * 100 + 100),
        })),
        4,
      );
      for (const a of answers) assert.equal(a.error, undefined, JSON.stringify(a));
    };
    const drift = (status: string, signal: string) => (reqs: typeof rx.requests) =>
      reqs.some((r) =>
        (r.json as AmPayload).alerts.some(
          (a) =>
            a.labels.alertname === 'SentioDrift' &&
            a.status === status &&
            a.labels.signal === signal,
        ),
      );
    const imdb = await dataset(IMDB_TEST);
    const airline = await dataset(AIRLINE);

    // 1. IMDB reviews: Prometheus sees every signal under its line; nothing fires.
    await send(every(imdb.texts, 15, 5).slice(0, 1500));
    const quiet = await until(
      'sentio_drift_signal{model="imdb",signal="token_js"}',
      (rs) => rs.length === 1,
      'token_js never reached Prometheus',
    );
    assert.ok(Number(quiet[0].value[1]) < 0.2, `token_js ${quiet[0].value[1]}`);
    await sleep(4000); // two rule evaluations past `for`
    assert.deepEqual(await query('ALERTS{alertname="SentioDrift"}'), []);
    assert.equal(rx.requests.length, 0);

    // 2. Airline tweets: SentioDrift fires for tokens and OOV, Alertmanager posts it.
    await send(every(airline.texts, 7, 1).slice(0, 1500));
    await rx.waitFor(
      (r) => drift('firing', 'token_js')(r) && drift('firing', 'oov_rate')(r),
      45_000,
    );
    const fired = performance.now();
    const alert = rx.requests
      .flatMap((r) => (r.json as AmPayload).alerts)
      .find((a) => a.labels.alertname === 'SentioDrift' && a.labels.signal === 'token_js');
    assert.deepEqual(alert?.labels, {
      alertname: 'SentioDrift',
      model: 'imdb',
      version: String(store.version),
      signal: 'token_js',
      severity: 'warning',
    });

    // 3. IMDB reviews again: the window is back to normal and the alerts resolve.
    await send(every(imdb.texts, 15, 11).slice(0, 1500));
    await rx.waitFor(
      (r) => drift('resolved', 'token_js')(r) && drift('resolved', 'oov_rate')(r),
      45_000,
    );
    const resolved = performance.now();
    t.diagnostic(
      `model and tools ready in ${((ready - t0) / 1000).toFixed(1)} s; firing webhook ${((fired - ready) / 1000).toFixed(1)} s later; resolved ${((resolved - fired) / 1000).toFixed(1)} s after that`,
    );
    assert.equal(await serve.stop('SIGTERM'), 0, serve.stderr());
  });
});
