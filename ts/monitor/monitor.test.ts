// The issue's "done when", on the library (no server): a model trained on
// IMDB train.csv (a seeded subsample, for speed) fed IMDB test.csv traffic
// reports no drift; fed airline tweets it reports drift on the token and OOV
// signals; ground truth sent as feedback gives exactly the accuracy of an
// offline evaluation of the same texts. The model is trained once; its
// traffic is logged to a SQLite and to a PostgreSQL monitoring store.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { importFeedback } from './feedback.js';
import { PredictionLogger } from './logger.js';
import { openMonitorStore } from './open.js';
import { monitorReport } from './report.js';
import { type MonitorTestBackend, monitorBackends } from './test-support/backends.js';
import {
  AIRLINE,
  dataset,
  engine,
  every,
  feed,
  HAVE_DATA,
  IMDB_TEST,
  type TrainedImdb,
  tempDir,
  trainImdb,
} from './test-support/fixtures.js';
import { parseWindow } from './window.js';

describe('monitoring an IMDB model', { skip: !HAVE_DATA && 'no shared data' }, () => {
  let m: TrainedImdb;
  const cleanups: Array<() => void | Promise<void>> = [];
  const t = { after: (fn: () => void | Promise<void>) => cleanups.push(fn) };

  before(async () => {
    const dir = tempDir(t);
    const t0 = performance.now();
    m = await trainImdb(path.join(dir, 'store'));
    console.log(
      `trained imdb@${m.version} in ${((performance.now() - t0) / 1000).toFixed(1)}s, accuracy ${m.metrics.accuracy}`,
    );
  });
  after(async () => {
    await m?.registry.close();
    for (const fn of cleanups.reverse()) await fn();
  });

  async function run(b: MonitorTestBackend, texts: readonly string[], prefix: string) {
    const dir = tempDir(t);
    const backend = await openMonitorStore(await b.location(t));
    const logger = new PredictionLogger(backend);
    logger.attach('imdb', m.version, m.model, m.profile.reference);
    feed(logger, m, texts, { prefix });
    await logger.close({ closeBackend: false });
    const c = logger.counters();
    assert.equal(c.dropped, 0);
    assert.equal(c.flushed, texts.length);
    const report = await monitorReport({
      backend,
      registry: m.registry,
      model: 'imdb',
      window: parseWindow('1h'),
    });
    return { report, backend, dir };
  }

  function summary(r: Awaited<ReturnType<typeof monitorReport>>): string {
    return Object.values(r.signals)
      .map((s) => `${s.name}=${s.value?.toFixed(4)} (${s.verdict}, thr ${s.threshold.toFixed(4)})`)
      .join(' ');
  }

  for (const b of monitorBackends()) {
    describe(b.name, () => {
      test('IMDB test.csv traffic: no drift', async () => {
        const test = await dataset(IMDB_TEST);
        const texts = every(test.texts, 7, 3); // 3572 reviews
        const { report, backend } = await run(b, texts, 'imdb');
        console.log(`${b.name}: imdb traffic: ${summary(report)}`);
        assert.equal(report.window.predictions, texts.length);
        assert.equal(report.drift, false, summary(report));
        for (const s of Object.values(report.signals)) assert.equal(s.verdict, 'ok', s.name);
        await backend.close();
      });

      test('airline tweets traffic: drift on the token and OOV signals', async () => {
        const tweets = await dataset(AIRLINE);
        const texts = every(tweets.texts, 4, 1); // 3660 tweets
        const { report, backend, dir } = await run(b, texts, 'air');
        console.log(`${b.name}: airline traffic: ${summary(report)}`);
        console.log(
          `moved: ${report.signals.token_js.moved
            ?.slice(0, 8)
            .map((x) => x.token)
            .join(', ')}`,
        );
        assert.equal(report.drift, true);
        assert.equal(report.signals.token_js.verdict, 'drift');
        assert.equal(report.signals.oov_rate.verdict, 'drift');
        const { renderHtmlReport } = await import('./html.js');
        const html = renderHtmlReport(report);
        fs.writeFileSync(path.join(dir, 'r.html'), html);
        assert.match(html, /<svg/);
        assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/);
        await backend.close();
      });

      test('feedback labels give the offline accuracy of the same texts', async () => {
        const test = await dataset(IMDB_TEST);
        const idx = every(
          test.texts.map((_, i) => i),
          25,
          7,
        ); // 1000 reviews
        const texts = idx.map((i) => test.texts[i] as string);
        const truth = idx.map((i) => test.labels[i] as string);
        const dir = tempDir(t);
        const backend = await openMonitorStore(await b.location(t));
        const logger = new PredictionLogger(backend);
        const ids = feed(logger, m, texts, { prefix: 'fb' });
        await logger.flush();
        // Half through the API path, half from a file, plus one unknown id.
        const { recordFeedback } = await import('./feedback.js');
        for (let i = 0; i < 500; i++)
          await recordFeedback(backend, ids[i] as string, truth[i] as string);
        const file = path.join(dir, 'labels.csv');
        fs.writeFileSync(
          file,
          `prediction_id,label\n${ids
            .slice(500)
            .map((id, j) => `${id},${(truth[500 + j] as string).toUpperCase()}`)
            .join('\n')}\nnope-1,positive\n`,
        );
        const imported = await importFeedback(backend, file);
        assert.equal(imported.recorded, 500);
        assert.deepEqual(imported.unknown, [{ id: 'nope-1', line: 502 }]);
        await logger.close({ closeBackend: false });

        const e = await engine();
        const batch = m.model.predictBatch(texts);
        const offline = e.evaluate(truth, batch.labelNames);
        const report = await monitorReport({
          backend,
          registry: m.registry,
          model: 'imdb',
          window: parseWindow('1000'),
        });
        const live = report.performance.arms[0];
        assert.equal(live?.labelled, 1000);
        assert.equal(live?.accuracy, offline.accuracy);
        assert.ok(Math.abs((live?.macroF1 ?? 0) - offline.macro_avg.f1) < 1e-12);
        console.log(
          `feedback accuracy ${live?.accuracy} = offline ${offline.accuracy}; expected ${live?.expectedAccuracy?.toFixed(4)}, ECE ${live?.ece?.toFixed(4)}, registry ${report.performance.offline.accuracy}`,
        );
        await backend.close();
      });
    });
  }
});
