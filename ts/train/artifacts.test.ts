// The artifact builders: profile, model card, metrics / confusion / eval
// predictions documents, flat metrics, inline-data fingerprints and the
// predict output formats. Uses a real engine model on the sample data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEngine } from '../engine/index.js';
import { confusionDocument, evalPredictionsJsonl } from './artifact-files.js';
import { evaluateModel } from './evaluate.js';
import { fitModel } from './fit.js';
import { inlineDataset, toCsv } from './inline-data.js';
import { flattenMetrics, isBetter } from './metrics.js';
import { renderModelCard } from './model-card.js';
import { formatRecord, outputFormat } from './predict-format.js';
import { binOf, buildProfile, CONFIDENCE_BINS, LENGTH_BINS } from './profile.js';
import { sampleDataset } from './sample-data.js';
import { stratifiedSplit } from './split.js';

async function trained() {
  const engine = await loadEngine();
  const data = sampleDataset();
  const split = stratifiedSplit(
    data.map((d) => d.label),
    0.2,
    42,
  );
  const pick = (rows: number[]) => rows.map((i) => data[i] as { text: string; label: string });
  const train = pick(split.train);
  const test = pick(split.test);
  const ticks: number[] = [];
  const model = await fitModel(
    engine,
    { ngram_range: [1, 2], sublinear_tf: true },
    train.map((d) => d.text),
    train.map((d) => d.label),
    {
      chunkSize: 50,
      progress: () => ({ tick: (n = 1) => ticks.push(n), update() {}, done() {} }),
    },
  );
  const evaluation = await evaluateModel(
    engine,
    model,
    test.map((d) => d.text),
    test.map((d) => d.label),
  );
  return { engine, model, train, test, ticks, ...evaluation };
}

test('chunked fitting reports progress and equals one-shot training', async () => {
  const { engine, model, train, ticks } = await trained();
  assert.equal(
    ticks.reduce((a, b) => a + b, 0),
    train.length,
  );
  assert.equal(ticks.length, Math.ceil(train.length / 50));
  const oneShot = await engine.train(
    { ngram_range: [1, 2], sublinear_tf: true },
    train.map((d) => d.text),
    train.map((d) => d.label),
  );
  assert.deepEqual(model.toBytes(), oneShot.toBytes());
});

test('profile: histograms, top features, OOV, predicted distribution', async () => {
  const { model, train, test, scores } = await trained();
  const p = buildProfile({
    model,
    trainTexts: train.map((d) => d.text),
    trainLabels: train.map((d) => d.label),
    evalTexts: test.map((d) => d.text),
    evalLabels: test.map((d) => d.label),
    evalScores: scores,
    seed: 1,
    sampleSize: 100,
    topN: 20,
  });
  assert.equal(p.format, 'sentio.profile/1');
  assert.deepEqual(p.classes, ['negative', 'neutral', 'positive']);
  assert.equal(p.training.documents, train.length);
  assert.equal(p.training.sampled, 100);
  assert.equal(p.training.top_features.length, 20);
  assert.ok(p.training.top_features[0]?.feature === 'the');
  assert.ok(
    p.training.top_features.every(
      (f, i, a) => f.df > 0 && f.df <= 1 && (i === 0 || (a[i - 1]?.df ?? 0) >= f.df),
    ),
  );
  assert.equal(
    p.training.text_length.counts.reduce((a, b) => a + b, 0),
    train.length,
  );
  assert.deepEqual(p.training.text_length.bins, LENGTH_BINS);
  assert.equal(
    p.evaluation.confidence.counts.reduce((a, b) => a + b, 0),
    test.length,
  );
  assert.deepEqual(p.evaluation.confidence.bins, CONFIDENCE_BINS);
  const shares = Object.values(p.evaluation.predicted_distribution);
  assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.ok(p.evaluation.oov_rate >= 0 && p.evaluation.oov_rate < 0.5);
  assert.equal(binOf(CONFIDENCE_BINS, 1), 9);
  assert.equal(binOf(LENGTH_BINS, 9), 0);
  assert.equal(binOf(LENGTH_BINS, 10), 1);
  assert.equal(binOf(LENGTH_BINS, 1e6), LENGTH_BINS.length - 1);
  // Deterministic for the same inputs.
  const again = buildProfile({
    model,
    trainTexts: train.map((d) => d.text),
    trainLabels: train.map((d) => d.label),
    evalTexts: test.map((d) => d.text),
    evalLabels: test.map((d) => d.label),
    evalScores: scores,
    seed: 1,
    sampleSize: 100,
    topN: 20,
  });
  assert.deepEqual(again, p);
});

test('metrics, confusion and eval predictions documents', async () => {
  const { report, scores, test } = await trained();
  const flat = flattenMetrics(report);
  assert.equal(flat.accuracy, report.accuracy);
  assert.equal(flat.macro_f1, report.macro_avg.f1);
  assert.equal(typeof flat.log_loss, 'number');
  assert.ok(isBetter({ accuracy: 0.9 }, { accuracy: 0.8 }, 'accuracy'));
  assert.ok(!isBetter({ accuracy: 0.8 }, { accuracy: 0.8 }, 'accuracy'));
  assert.ok(isBetter({ log_loss: 0.1 }, { log_loss: 0.2 }, 'log_loss'));
  assert.ok(isBetter({ accuracy: 0.1 }, undefined, 'accuracy'));
  assert.ok(!isBetter({}, undefined, 'log_loss'));
  const cm = confusionDocument(report) as { labels: string[]; matrix: number[][] };
  assert.deepEqual(cm.labels, report.labels);
  const jsonl = new TextDecoder().decode(
    evalPredictionsJsonl(
      test.map((d) => d.text),
      test.map((d) => d.label),
      test.map((_, i) => i + 2),
      scores,
    ),
  );
  const rows = jsonl
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, test.length);
  assert.deepEqual(Object.keys(rows[0]), ['line', 'text', 'label', 'predicted', 'probabilities']);
  assert.deepEqual(Object.keys(rows[0].probabilities), ['negative', 'neutral', 'positive']);
});

test('model card renders data, metrics, confusion matrix, config and CV', async () => {
  const { model, report } = await trained();
  const card = renderModelCard({
    model: 'reviews',
    description: 'Sentiment of product reviews.',
    createdAt: '2024-01-01T00:00:00.000Z',
    runId: 'run-1',
    experiment: 'exp',
    sentioVersion: '0.1.0',
    engine: { backend: 'native', version: '0.1.0' },
    classes: model.classes,
    nFeatures: model.nFeatures,
    config: model.config,
    train: { path: 'a|b.csv', sha256: 'ab'.repeat(32), rows: 360, labels: { negative: 120 } },
    evaluation: { kind: 'split', fraction: 0.2, seed: 42, rows: 72 },
    report,
    cv: { k: 5, metrics: { accuracy: { mean: 0.9, std: 0.01 } } },
    tags: { team: 'nlp' },
  });
  assert.match(card, /^# Model card: reviews\n/);
  assert.match(card, /Sentiment of product reviews\./);
  assert.match(card, /## Intended use/);
  assert.match(card, /Held-out stratified split: 20%/);
  assert.match(card, /\| negative \| \d\.\d{4} \|/);
  assert.match(card, /\| true \/ predicted \| negative \| neutral \| positive \|/);
  assert.match(card, /5-fold cross-validation/);
  assert.match(card, /\| ngram_range \| \[1,2\] \|/);
  assert.match(card, /Tags: team=nlp/);
});

test('inline datasets fingerprint like the equivalent CSV file', () => {
  const rows = [
    { text: 'a, "quoted" text', label: 'x' },
    { text: 'plain', label: 'y' },
  ];
  assert.equal(toCsv(rows), 'text,label\n"a, ""quoted"" text",x\nplain,y\n');
  const ds = inlineDataset('builtin:test', rows);
  assert.equal(ds.fingerprint.rows, 2);
  assert.deepEqual(ds.fingerprint.labels, { x: 1, y: 1 });
  assert.deepEqual(ds.lines, [2, 3]);
  assert.match(ds.fingerprint.sha256, /^[0-9a-f]{64}$/);
  assert.equal(inlineDataset('builtin:test', rows).fingerprint.sha256, ds.fingerprint.sha256);
});

test('predict output formats', () => {
  assert.equal(outputFormat(undefined), 'jsonl');
  assert.equal(outputFormat('out.CSV'), 'csv');
  assert.equal(outputFormat('out.jsonl'), 'jsonl');
  assert.throws(() => outputFormat('out.xlsx'), /unknown extension/);
  const r = {
    line: 3,
    text: 'say "hi", ok',
    label: 'pos',
    probabilities: { neg: 0.25, pos: 0.75 },
  };
  assert.equal(formatRecord(r, 'jsonl'), `${JSON.stringify(r)}\n`);
  assert.equal(formatRecord(r, 'csv'), '3,"say ""hi"", ok",pos,"{""neg"":0.25,""pos"":0.75}"\n');
});
