// `sentio predict`, `sentio eval` and `sentio demo` end to end against temp stores.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parseCsv } from '../engine/test-support/csv.js';
import { openRegistry } from '../registry/index.js';
import {
  freshStore,
  ok,
  okJson,
  sentio,
  tempDir,
  tempFile,
  UCI,
  uciParts,
} from './test-support/cli.js';

let store = '';
let testFile = '';
let version = 0;

before(async () => {
  store = freshStore();
  const [trainFile, t] = uciParts(5);
  testFile = t;
  const j = await okJson(['train', '--data', trainFile, '--model', 'uci', '--store', store]);
  version = j.version;
});

const texts = [
  'I loved it, great value',
  'Terrible, broke in a day',
  'Works fine',
  'Worst purchase ever',
];

test('predict --input CSV → JSONL file, in input order, with probabilities objects', async () => {
  const input = tempFile('in.csv', `id,text\n${texts.map((t, i) => `${i},"${t}"`).join('\n')}\n`);
  const out = path.join(tempDir(), 'out.jsonl');
  const r = await ok(['predict', 'uci@1', '--input', input, '--output', out, '--store', store]);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /scored 4 rows with uci@1/);
  const rows = readFileSync(out, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((x) => x.text),
    texts,
  );
  assert.deepEqual(
    rows.map((x) => x.line),
    [2, 3, 4, 5],
  );
  for (const x of rows) {
    assert.deepEqual(Object.keys(x.probabilities), ['negative', 'positive']);
    const sum = x.probabilities.negative + x.probabilities.positive;
    assert.ok(Math.abs(sum - 1) < 1e-9);
    assert.equal(
      x.label,
      x.probabilities.positive > x.probabilities.negative ? 'positive' : 'negative',
    );
  }
  assert.equal(rows[0].label, 'positive');
  assert.equal(rows[1].label, 'negative');
  assert.deepEqual(readdirSync(path.dirname(out)), ['out.jsonl'], 'no temp file left behind');
});

test('predict → CSV by extension; big input streams in batches and keeps order', async () => {
  const out = path.join(tempDir(), 'scored.csv');
  const r = await ok([
    'predict',
    'uci',
    '--input',
    testFile,
    '--output',
    out,
    '--store',
    store,
    '--batch-size',
    '64',
    '--json',
  ]);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.rows, 600);
  assert.equal(summary.format, 'csv');
  const [header, ...rows] = parseCsv(readFileSync(out, 'utf8'));
  assert.deepEqual(header, ['line', 'text', 'label', 'probabilities']);
  assert.equal(rows.length, 600);
  const source = parseCsv(readFileSync(testFile, 'utf8')).slice(1);
  assert.deepEqual(
    rows.map((x) => x[1]),
    source.map((x) => x[0]),
  );
  assert.deepEqual(
    rows.map((x) => Number(x[0])),
    source.map((_, i) => i + 2),
  );
  const p = JSON.parse(rows[0]?.[3] ?? '{}');
  assert.deepEqual(Object.keys(p), ['negative', 'positive']);
});

test('predict to stdout (JSONL), text-per-line input, and --text', async () => {
  const txt = tempFile('in.txt', `${texts.join('\n')}\n`);
  const r = await ok(['predict', `uci@${version}`, '--input', txt, '--store', store]);
  const rows = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((x) => x.text),
    texts,
  );
  const j = await okJson([
    'predict',
    'uci@latest',
    '--text',
    texts[0] as string,
    '--text',
    texts[1] as string,
    '--store',
    store,
  ]);
  assert.equal(j.model, 'uci');
  assert.equal(j.version, 1);
  assert.deepEqual(
    j.predictions.map((x: { label: string }) => x.label),
    ['positive', 'negative'],
  );
  assert.deepEqual(Object.keys(j.predictions[0].probabilities), ['negative', 'positive']);
  const human = await ok(['predict', 'uci', '--text', 'great', '--store', store]);
  assert.match(human.stdout, /→ positive/);
});

test('predict errors: unknown ref, both or neither input, unknown output extension', async () => {
  const unknown = await sentio(['predict', 'nope@1', '--text', 'x', '--store', store]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /REGISTRY_NOT_FOUND/);
  const noVersion = await sentio(['predict', 'uci@99', '--text', 'x', '--store', store]);
  assert.match(noVersion.stderr, /REGISTRY_NOT_FOUND/);
  const neither = await sentio(['predict', 'uci', '--store', store]);
  assert.equal(neither.code, 2);
  const both = await sentio([
    'predict',
    'uci',
    '--text',
    'x',
    '--input',
    testFile,
    '--store',
    store,
  ]);
  assert.equal(both.code, 2);
  const ext = await sentio([
    'predict',
    'uci',
    '--input',
    testFile,
    '--output',
    '/tmp/x.xlsx',
    '--store',
    store,
  ]);
  assert.equal(ext.code, 2);
  const missing = await sentio([
    'predict',
    'uci',
    '--input',
    '/nonexistent.csv',
    '--output',
    path.join(tempDir(), 'o.jsonl'),
    '--store',
    store,
  ]);
  assert.match(missing.stderr, /DATA_NOT_FOUND/);
});

test('eval records an evaluation against the version', async () => {
  const j = await okJson(['eval', 'uci@1', '--data', testFile, '--store', store]);
  assert.equal(j.model, 'uci');
  assert.equal(j.version, 1);
  assert.ok(j.metrics.accuracy > 0.75);
  assert.equal(j.metrics.per_class.length, 2);
  assert.equal(j.dataset.rows, 600);
  const human = await ok(['eval', 'uci', '--data', UCI, '--store', store]);
  assert.match(human.stdout, /Evaluated uci@1/);
  assert.match(human.stdout, /Confusion matrix/);
  assert.match(human.stdout, /Recorded evaluation #\d+ for uci@1/);
  const reg = await openRegistry(store);
  try {
    const evals = await reg.listEvaluations('uci', 1);
    assert.equal(evals.length, 2);
    const first = evals.find((e) => e.id === j.evaluation_id);
    assert.equal(first?.metrics.accuracy, j.metrics.accuracy);
    assert.ok(first?.reportSha256 && (await reg.artifacts.has(first.reportSha256)));
  } finally {
    await reg.close();
  }
  const unknown = await sentio(['eval', 'nope', '--data', testFile, '--store', store]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /REGISTRY_NOT_FOUND/);
  const noData = await sentio(['eval', 'uci', '--store', store]);
  assert.equal(noData.code, 2);
});

test('demo trains through the pipeline and registers model "demo"', async () => {
  const demoStore = freshStore();
  const j = await okJson(['demo', '--store', demoStore]);
  assert.equal(j.model, 'demo');
  assert.equal(j.version, 1);
  assert.equal(j.created, true);
  assert.equal(j.train_size + j.test_size, 360);
  assert.ok(j.metrics.accuracy > 0.9);
  assert.equal(j.predictions.length, 4);
  assert.equal(j.predictions[0].label, 'positive');
  assert.equal(j.predictions[1].label, 'negative');
  assert.ok(existsSync(demoStore));
  const again = await ok(['demo', '--store', demoStore, '--no-serve']);
  assert.match(again.stdout, /identical to existing version demo@1/);
  assert.match(again.stdout, /because of:/);
  const viaEnv = await ok(['demo', '--json'], { env: { SENTIO_HOME: demoStore } });
  assert.equal(JSON.parse(viaEnv.stdout).version, 1);
});
