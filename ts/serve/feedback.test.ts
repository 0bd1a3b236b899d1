// POST /v1/feedback on a running server: labels sent for 1000 IMDB test
// reviews predicted over REST and WebSocket give exactly the accuracy of an
// offline evaluation of the same texts (ts/train evaluateModel), on
// GET /v1/models/imdb/monitor and on /metrics; unknown ids are 404, bad
// bodies 400 naming the field, and the route wants the API key. The report
// endpoint answers the same JSON as `sentio monitor report --json`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { dataset, every, HAVE_DATA, IMDB_TEST } from '../monitor/test-support/fixtures.js';
import { evaluateModel } from '../train/index.js';
import { type RunningServer, startServer } from './server.js';
import { CLI, engine, type Json, postJson, tempDir } from './test-support/fixtures.js';
import {
  type ImdbStore,
  imdbStore,
  metric,
  restLoad,
  scrape,
  wsLoad,
} from './test-support/monitoring.js';

const run = promisify(execFile);
type After = { after(fn: () => void | Promise<void>): void };

async function serveImdb(t: After, store: ImdbStore, extra = {}): Promise<RunningServer> {
  const s = await startServer({
    store: store.dir,
    port: 0,
    models: ['imdb@production'],
    log: { level: 'silent' },
    monitoring: { intervalMs: 60_000 },
    ...extra,
  });
  t.after(() => s.close());
  return s;
}

describe('feedback through the server', { skip: !HAVE_DATA && 'no shared data' }, () => {
  test('labels for 1000 reviews give the accuracy of an offline evaluation of the same texts', async (t) => {
    const store = await imdbStore(t);
    const s = await serveImdb(t, store);
    const test = await dataset(IMDB_TEST);
    const rows = every(
      test.texts.map((text, i) => ({ text, label: test.labels[i] as string })),
      25,
      7,
    );
    assert.equal(rows.length, 1000);
    const texts = rows.map((r) => r.text);
    const truth = rows.map((r) => r.label);

    // 500 over REST (batches of 50), 500 over WebSocket (one text each).
    const rest = await restLoad(
      `${s.url}/v1/models/imdb/predict`,
      Array.from({ length: 10 }, (_, b) => ({ texts: texts.slice(b * 50, b * 50 + 50) })),
      4,
    );
    const ws = await wsLoad(
      s.url,
      texts.slice(500).map((text) => ({ model: 'imdb', text })),
    );
    const ids: string[] = [];
    for (const r of rest) for (const p of r.body.predictions) ids.push(p.id);
    for (const a of ws) ids.push(a.predictionId);
    assert.equal(ids.length, 1000);

    // At once (the log may not have written them yet): 800 in batches of 100, 200 one by one.
    const batches = await restLoad(
      `${s.url}/v1/feedback`,
      Array.from({ length: 8 }, (_, b) => ({
        items: ids
          .slice(b * 100, b * 100 + 100)
          .map((id, i) => ({ prediction_id: id, label: truth[b * 100 + i] })),
      })),
      4,
    );
    for (const r of batches) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { joined: 100, recorded: 100, updated: 0, unknown: [] });
    }
    const singles = await restLoad(
      `${s.url}/v1/feedback`,
      ids
        .slice(800)
        .map((id, i) => ({ prediction_id: id, label: ` ${truth[800 + i]?.toUpperCase()} ` })),
      16,
    );
    for (const r of singles) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.recorded, 1);
    }

    const offline = await evaluateModel(await engine(), store.model, texts, truth);
    const report = (await (
      await fetch(`${s.url}/v1/models/imdb/monitor?window=1h`)
    ).json()) as Json;
    const live = report.performance.arms[0];
    t.diagnostic(
      `offline accuracy ${offline.report.accuracy}, live ${live.accuracy} on ${live.labelled} labels; macro F1 ${offline.report.macro_avg.f1} vs ${live.macroF1}`,
    );
    assert.equal(live.arm, 'all');
    assert.equal(live.predictions, 1000);
    assert.equal(live.labelled, 1000);
    assert.equal(live.accuracy, offline.report.accuracy);
    assert.ok(Math.abs(live.macroF1 - offline.report.macro_avg.f1) < 1e-12);

    const evaluation = await s.evaluateMonitoring();
    assert.ok(evaluation !== null);
    const m = await scrape(s.url);
    const mv = { model: 'imdb', version: String(store.version) };
    assert.equal(metric(m, 'sentio_live_accuracy', mv), offline.report.accuracy);
    assert.equal(metric(m, 'sentio_live_labelled', mv), 1000);
    assert.equal(metric(m, 'sentio_monitor_window_predictions', mv), 1000);
    assert.equal(metric(m, 'sentio_feedback_items_total', { outcome: 'recorded' }), 1000);

    // A label sent again replaces the first.
    const again = await postJson(`${s.url}/v1/feedback`, {
      prediction_id: ids[0],
      label: truth[0],
    });
    assert.deepEqual(again.body, { joined: 1, recorded: 0, updated: 1, unknown: [] });

    // Same JSON as `sentio monitor report imdb --json` (the time it was generated aside).
    const cli = await run(process.execPath, [
      CLI,
      'monitor',
      'report',
      'imdb',
      '--json',
      '--window',
      '1h',
      '--store',
      store.dir,
    ]);
    const fromCli = JSON.parse(cli.stdout) as Json;
    const fromServer = (await (await fetch(`${s.url}/v1/models/imdb/monitor`)).json()) as Json;
    delete fromCli.generatedAt;
    delete fromServer.generatedAt;
    assert.deepEqual(fromServer, fromCli);
  });

  test('unknown ids are 404, bad bodies 400 naming the field, the API key is required', async (t) => {
    const store = await imdbStore(t);
    const keyFile = path.join(tempDir(t), 'keys');
    fs.writeFileSync(keyFile, 'k-feedback-0123456789\n');
    const s = await serveImdb(t, store, { apiKeyFile: keyFile });
    const key = { 'x-api-key': 'k-feedback-0123456789' };
    const fb = (body: unknown, headers: Record<string, string> = key) =>
      postJson(`${s.url}/v1/feedback`, body, headers);

    const noKey = await fb({ prediction_id: 'x', label: 'positive' }, {});
    assert.equal(noKey.status, 401);
    const monitorNoKey = await fetch(`${s.url}/v1/models/imdb/monitor`);
    assert.equal(monitorNoKey.status, 401);

    const p = await postJson(`${s.url}/v1/models/imdb/predict`, { text: 'a wonderful film' }, key);
    assert.equal(p.status, 200);

    const unknown = await fb({ prediction_id: 'p-no-such-id', label: 'positive' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'MONITOR_UNKNOWN_PREDICTION');
    assert.deepEqual(unknown.body.error.details, { unknown: ['p-no-such-id'] });

    const mixed = await fb({
      items: [
        { prediction_id: p.body.id, label: 'positive' },
        { prediction_id: 'p-gone', label: 'negative' },
      ],
    });
    assert.equal(mixed.status, 200);
    assert.deepEqual(mixed.body, { joined: 1, recorded: 1, updated: 0, unknown: ['p-gone'] });

    const cases: Array<[unknown, string]> = [
      [[], 'body'],
      [{}, 'prediction_id'],
      [{ prediction_id: p.body.id }, 'label'],
      [{ prediction_id: '', label: 'positive' }, 'prediction_id'],
      [{ prediction_id: p.body.id, label: '  ' }, 'label'],
      [{ prediction_id: p.body.id, label: 'positive', note: 1 }, 'note'],
      [{ items: [] }, 'items'],
      [{ items: 'x' }, 'items'],
      [{ items: [{ prediction_id: 'a', label: 'b' }], extra: true }, 'extra'],
      [
        {
          items: [
            { prediction_id: 'a', label: 'b' },
            { prediction_id: 'c', label: 3 },
          ],
        },
        'items[1].label',
      ],
      [{ items: [{ prediction_id: 'a', label: 'b' }, 7] }, 'items[1]'],
      [{ prediction_id: 'x'.repeat(300), label: 'positive' }, 'prediction_id'],
    ];
    for (const [body, field] of cases) {
      const r = await fb(body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(r.body.error.code, 'MONITOR_FEEDBACK_INVALID');
      assert.equal(r.body.error.details.field, field, r.body.error.message);
      assert.ok(r.body.error.message.includes(field), r.body.error.message);
    }
    const tooMany = await fb({
      items: Array.from({ length: 1001 }, (_, i) => ({ prediction_id: `p${i}`, label: 'x' })),
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error.details.field, 'items');

    const spec = (await (await fetch(`${s.url}/openapi.json`)).json()) as Json;
    assert.ok(spec.paths['/v1/feedback'].post);
    assert.ok(spec.paths['/v1/models/{name}/monitor'].get);
    assert.ok(spec.components.schemas.FeedbackRequest);
    const badWindow = await fetch(`${s.url}/v1/models/imdb/monitor?window=soon`, { headers: key });
    assert.equal(badWindow.status, 400);
    assert.equal(((await badWindow.json()) as Json).error.code, 'MONITOR_BAD_OPTION');
    const notServed = await fetch(`${s.url}/v1/models/nope/monitor`, { headers: key });
    assert.equal(notServed.status, 404);
  });
});
