// Prediction logging inside a running server: 100k predictions under
// concurrent REST and WebSocket load are all logged (same ids as the
// answers) with none dropped; with a tiny queue the dropped count is exact.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { openMonitorStore, type PredictionRow } from '../monitor/index.js';
import { HAVE_DATA } from '../monitor/test-support/fixtures.js';
import type { ServeOptions } from './options.js';
import { type RunningServer, startServer } from './server.js';
import { spawnServe } from './test-support/cli-server.js';
import { type Json, makeStore, uci } from './test-support/fixtures.js';
import { imdbStore, metric, restLoad, scrape, wsLoad } from './test-support/monitoring.js';

type After = { after(fn: () => void | Promise<void>): void };

async function server(
  t: After,
  store: string,
  opts: Partial<ServeOptions> = {},
): Promise<RunningServer> {
  const s = await startServer({
    store,
    port: 0,
    models: ['imdb@production'],
    log: { level: 'silent' },
    ...opts,
  });
  t.after(() => s.close());
  return s;
}

async function rowsOf(store: string): Promise<PredictionRow[]> {
  const backend = await openMonitorStore(store, { readonly: true });
  try {
    return await backend.predictions({ model: 'imdb' });
  } finally {
    await backend.close();
  }
}

interface Answered {
  id: string;
  text: string;
  label: string;
  probabilities: Record<string, number>;
}

describe('prediction logging in sentio serve', { skip: !HAVE_DATA && 'no shared data' }, () => {
  test('100k predictions under REST + WebSocket load: every one logged with its answer id, none dropped', async (t) => {
    const store = await imdbStore(t);
    const s = await server(t, store.dir);
    const { texts } = await uci();
    const text = (i: number) => texts[i % texts.length] as string;
    const predict = `${s.url}/v1/models/imdb/predict`;

    const t0 = performance.now();
    const ws = (from: number, n: number) =>
      wsLoad(
        s.url,
        Array.from({ length: n }, (_, i) => ({ model: 'imdb', text: text(from + i) })),
      );
    const [wsA, wsB, singles, batches] = await Promise.all([
      ws(0, 25_000),
      ws(25_000, 25_000),
      restLoad(
        predict,
        Array.from({ length: 10_000 }, (_, i) => ({ text: text(50_000 + i) })),
      ),
      restLoad(
        predict,
        Array.from({ length: 400 }, (_, b) => ({
          texts: Array.from({ length: 100 }, (_, i) => text(60_000 + b * 100 + i)),
        })),
        8,
      ),
    ]);
    const loadMs = performance.now() - t0;

    const answered: Answered[] = [];
    [...wsA, ...wsB].forEach((a: Json, i) => {
      assert.equal(a.error, undefined, JSON.stringify(a));
      answered.push({
        id: a.predictionId,
        text: text(i),
        label: a.label,
        probabilities: a.probabilities,
      });
    });
    singles.forEach((r, i) => {
      assert.equal(r.status, 200);
      answered.push({
        id: r.body.id,
        text: text(50_000 + i),
        label: r.body.label,
        probabilities: r.body.probabilities,
      });
    });
    batches.forEach((r, b) => {
      assert.equal(r.status, 200);
      r.body.predictions.forEach((p: Json, i: number) => {
        answered.push({
          id: p.id,
          text: text(60_000 + b * 100 + i),
          label: p.label,
          probabilities: p.probabilities,
        });
      });
    });
    assert.equal(answered.length, 100_000);
    assert.equal(new Set(answered.map((a) => a.id)).size, 100_000, 'prediction ids are unique');

    await s.flushPredictionLog();
    const c = s.predictionLogCounters();
    t.diagnostic(
      `100k predictions in ${(loadMs / 1000).toFixed(1)} s; logger: ${JSON.stringify(c)}`,
    );
    assert.equal(c.logged, 100_000);
    assert.equal(c.dropped, 0);
    assert.equal(c.failed, 0);
    assert.equal(c.flushed, 100_000);
    assert.equal(c.queueDepth, 0);
    assert.ok(c.measured > 0, 'texts were measured for drift');

    const m = await scrape(s.url);
    assert.equal(metric(m, 'sentio_prediction_log_logged_total'), 100_000);
    assert.equal(metric(m, 'sentio_prediction_log_dropped_total'), 0);
    assert.equal(metric(m, 'sentio_prediction_log_failed_total'), 0);
    assert.equal(metric(m, 'sentio_prediction_log_queue_depth'), 0);

    const rows = await rowsOf(store.dir);
    assert.equal(rows.length, 100_000);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const a of answered) {
      const r = byId.get(a.id);
      assert.ok(r !== undefined, `prediction ${a.id} is logged`);
      assert.equal(r.label, a.label);
      // Every text's hash: text buffers are reused across hand-overs, and no byte of an earlier one may leak in.
      assert.equal(r.textSha256, createHash('sha256').update(a.text).digest('hex'), a.id);
    }
    // Every field of a sample, against what the client was told.
    for (const a of answered.filter((_, i) => i % 97 === 0)) {
      const r = byId.get(a.id) as PredictionRow;
      assert.equal(r.model, 'imdb');
      assert.equal(r.version, store.version);
      assert.equal(r.env, 'production');
      assert.equal(r.arm, 'stable');
      assert.deepEqual(r.probabilities, a.probabilities);
      assert.equal(r.confidence, Math.max(...Object.values(a.probabilities)));
      assert.equal(r.textLength, a.text.length);
      assert.equal(r.text, null, 'hash-only by default');
      assert.ok(r.latencyMs >= 0);
    }
    assert.equal(rows.filter((r) => r.tokens !== null).length, c.measured);
  });

  test('a tiny queue under a burst: the dropped count is exact', async (t) => {
    const store = await imdbStore(t);
    const s = await server(t, store.dir, { predictionLog: { capacity: 100, flushIntervalMs: 20 } });
    const { texts } = await uci();
    const msgs = Array.from({ length: 20 }, (_, b) => ({
      model: 'imdb',
      texts: texts.slice(b * 100, b * 100 + 1000),
    }));
    const singles = Array.from({ length: 2000 }, (_, i) => ({
      model: 'imdb',
      text: texts[i] as string,
    }));
    const [batchAnswers, singleAnswers] = await Promise.all([
      wsLoad(s.url, msgs, 20),
      wsLoad(s.url, singles, 512),
    ]);
    const ids = new Set<string>();
    for (const a of batchAnswers) for (const p of a.predictions) ids.add(p.id);
    for (const a of singleAnswers) ids.add(a.predictionId);
    assert.equal(ids.size, 22_000);

    await s.flushPredictionLog();
    const c = s.predictionLogCounters();
    t.diagnostic(`logger: ${JSON.stringify(c)}`);
    assert.ok(c.dropped > 0, 'the queue overflowed');
    assert.equal(
      c.logged + c.dropped,
      22_000,
      'every prediction is either logged or counted dropped',
    );
    assert.equal(c.failed, 0);
    assert.equal(c.flushed, c.logged);
    const m = await scrape(s.url);
    assert.equal(metric(m, 'sentio_prediction_log_dropped_total'), c.dropped);
    assert.equal(metric(m, 'sentio_prediction_log_logged_total'), c.logged);

    const rows = await rowsOf(store.dir);
    assert.equal(rows.length, 22_000 - c.dropped, 'stored = answered - dropped, exactly');
    for (const r of rows) assert.ok(ids.has(r.id));
  });

  test('SIGTERM: every prediction answered before it is in monitor.db when the process exits', async (t) => {
    const store = await makeStore(t, 'sentiment', 1);
    const serve = await spawnServe(['--store', store.dir]);
    t.after(() => serve.stop('SIGKILL'));
    const { texts } = await uci();
    const answers = await wsLoad(
      serve.url,
      texts.slice(0, 3000).map((text) => ({ model: 'sentiment', text })),
    );
    // At once: most of these are still in memory (buffered, handed over, or queued).
    assert.equal(await serve.stop('SIGTERM'), 0, serve.stderr());
    const backend = await openMonitorStore(store.dir, { readonly: true });
    const rows = await backend.predictions({ model: 'sentiment' });
    await backend.close();
    assert.equal(rows.length, 3000);
    const ids = new Set(rows.map((r) => r.id));
    for (const a of answers) assert.ok(ids.has(a.predictionId));
  });
});
