// `sentio train` end to end: the compiled CLI as a child process against temp
// stores, checked through its output and through the registry API.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openRegistry } from '../registry/index.js';
import { ARTIFACT_NAMES } from './artifact-files.js';
import {
  freshStore,
  type Json,
  ok,
  okJson,
  SHA256,
  sentio,
  tempDir,
  tempFile,
  UCI,
  uciParts,
} from './test-support/cli.js';

async function withRegistry<T>(
  store: string,
  fn: (reg: Awaited<ReturnType<typeof openRegistry>>) => Promise<T>,
) {
  const reg = await openRegistry(store);
  try {
    return await fn(reg);
  } finally {
    await reg.close();
  }
}

test('train on a split: report, confusion matrix, registered version (human output)', async () => {
  const store = freshStore();
  const r = await ok(['train', '--data', UCI, '--model', 'uci', '--store', store]);
  for (const part of [
    'precision',
    'recall',
    'f1',
    'support',
    'macro avg',
    'weighted avg',
    'negative',
    'positive',
  ]) {
    assert.ok(r.stdout.includes(part), `missing "${part}" in:\n${r.stdout}`);
  }
  assert.match(r.stdout, /accuracy 0\.\d{4}\s+log loss 0\.\d{4}\s+\(600 rows\)/);
  assert.match(r.stdout, /Confusion matrix/);
  assert.match(r.stdout, /Registered uci@1 · run /);
  assert.match(r.stderr, /data: 3000 training rows/);
});

test('--json contract, artifacts in the store, run tracking', async () => {
  const store = freshStore();
  const j = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'uci',
    '--store',
    store,
    '--tag',
    'team=nlp',
    '--description',
    'UCI sentences',
    '--experiment',
    'uci-exp',
  ]);
  assert.equal(j.model, 'uci');
  assert.equal(j.version, 1);
  assert.equal(j.created, true);
  assert.equal(typeof j.run_id, 'string');
  assert.ok(j.metrics.accuracy > 0.75 && j.metrics.accuracy <= 1, `accuracy ${j.metrics.accuracy}`);
  assert.equal(j.metrics.per_class.length, 2);
  assert.deepEqual(Object.keys(j.metrics.per_class[0]), [
    'label',
    'precision',
    'recall',
    'f1',
    'support',
  ]);
  assert.equal(j.metrics.n, 600);
  assert.deepEqual(j.labels, ['negative', 'positive']);
  assert.equal(j.confusion_matrix.length, 2);
  assert.equal(
    j.confusion_matrix.flat().reduce((a: number, b: number) => a + b, 0),
    600,
  );
  assert.deepEqual(Object.keys(j.artifacts).sort(), [...ARTIFACT_NAMES].sort());
  for (const sha of Object.values(j.artifacts)) assert.match(sha as string, SHA256);
  assert.equal(j.artifacts.model, j.model_sha256);
  assert.equal(j.config.min_df.count, 2);
  assert.deepEqual(j.config.ngram_range, [1, 2]);

  await withRegistry(store, async (reg) => {
    const v = await reg.resolve('uci@1');
    assert.deepEqual(v.artifacts, j.artifacts);
    assert.equal(v.runId, j.run_id);
    assert.equal(v.description, 'UCI sentences');
    assert.deepEqual(v.tags, { team: 'nlp' });
    assert.equal(v.metrics.accuracy, j.metrics.accuracy);
    for (const sha of Object.values(v.artifacts)) assert.ok(await reg.artifacts.has(sha));
    const run = await reg.getRun(j.run_id);
    assert.equal(run.status, 'finished');
    assert.equal(run.experiment, 'uci-exp');
    assert.equal(run.model, 'uci');
    assert.equal(run.version, 1);
    assert.equal(run.params.ngram, '1-2');
    assert.equal(run.params.alpha, 1);
    assert.equal(run.metrics.accuracy, j.metrics.accuracy);
    assert.equal((run.dataset as { train: { sha256: string } }).train.sha256.length, 64);
    // The stored artifacts are the documents they claim to be.
    const dec = async (name: string) =>
      new TextDecoder().decode(await reg.artifacts.get(v.artifacts[name] as string));
    const metrics = JSON.parse(await dec('metrics'));
    assert.equal(metrics.report.accuracy, j.metrics.accuracy);
    assert.deepEqual(JSON.parse(await dec('confusion_matrix')).matrix, j.confusion_matrix);
    const preds = (await dec('eval_predictions'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(preds.length, 600);
    assert.ok(
      preds.every(
        (p) => typeof p.line === 'number' && p.line >= 2 && p.probabilities.positive !== undefined,
      ),
    );
    const config = JSON.parse(await dec('config'));
    assert.equal(config.options.model, 'uci');
    assert.equal(config.engine_config.alpha, 1);
    const profile = JSON.parse(await dec('profile'));
    assert.equal(profile.format, 'sentio.profile/1');
    assert.equal(profile.evaluation.documents, 600);
    assert.match(await dec('card'), /^# Model card: uci/);
  });
});

test('--test FILE trains on all of --data and evaluates on the file', async () => {
  const [trainFile, testFile] = uciParts(5);
  const store = freshStore();
  const j = await okJson([
    'train',
    '--data',
    trainFile,
    '--test',
    testFile,
    '--model',
    'uci',
    '--store',
    store,
  ]);
  assert.equal(j.metrics.n_train, 2400);
  assert.equal(j.metrics.n, 600);
  assert.equal(j.data.test.rows, 600);
  assert.equal(j.data.test.path, testFile);
  assert.ok(j.metrics.accuracy > 0.75);
});

test('identity by content: the same data and seed give the same version', async () => {
  const store = freshStore();
  const a = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'uci',
    '--store',
    store,
    '--seed',
    '7',
  ]);
  const b = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'uci',
    '--store',
    store,
    '--seed',
    '7',
  ]);
  assert.equal(a.created, true);
  assert.equal(b.created, false);
  assert.equal(b.version, a.version);
  assert.equal(b.model_sha256, a.model_sha256);
  assert.notEqual(b.run_id, a.run_id);
  const human = await ok([
    'train',
    '--data',
    UCI,
    '--model',
    'uci',
    '--store',
    store,
    '--seed',
    '7',
  ]);
  assert.match(human.stdout, /identical to existing version uci@1; no new version/);
  const c = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'uci',
    '--store',
    store,
    '--seed',
    '8',
  ]);
  assert.equal(c.created, true);
  assert.equal(c.version, 2);
  await withRegistry(store, async (reg) => {
    assert.equal((await reg.listVersions('uci')).length, 2);
    const run = await reg.getRun(b.run_id);
    assert.equal(run.status, 'finished');
    assert.equal(run.version, 1);
  });
});

test('identity holds across engine backends: WASM and native train the same bytes', async () => {
  const store = freshStore();
  const args = ['train', '--data', UCI, '--model', 'uci', '--store', store, '--json'];
  const wasm = JSON.parse((await ok(args, { env: { SENTIO_ENGINE: 'wasm' } })).stdout);
  const native = JSON.parse((await ok(args, { env: { SENTIO_ENGINE: 'native' } })).stdout);
  assert.equal(wasm.engine.backend, 'wasm');
  assert.equal(native.engine.backend, 'native');
  assert.equal(native.model_sha256, wasm.model_sha256);
  assert.equal(native.created, false);
  assert.equal(native.version, wasm.version);
});

test('sweep: every run tracked, only the best registered (and all with --register all)', async () => {
  const store = freshStore();
  const j = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'sw',
    '--store',
    store,
    '--sweep',
    'alpha=0.1,1',
    '--sweep',
    'ngram=1-1,1-2',
    '--metric',
    'macro_f1',
  ]);
  assert.equal(j.sweep.runs.length, 4);
  assert.equal(j.sweep.metric, 'macro_f1');
  const best = j.sweep.runs.reduce((a: Json, b: Json) =>
    b.metrics.macro_f1 > a.metrics.macro_f1 ? b : a,
  );
  assert.equal(j.run_id, best.run_id);
  assert.equal(j.metrics.macro_f1, best.metrics.macro_f1);
  assert.deepEqual(
    j.sweep.runs.map((r: Json) => r.params),
    ['alpha=0.1 ngram=1-1', 'alpha=0.1 ngram=1-2', 'alpha=1 ngram=1-1', 'alpha=1 ngram=1-2'],
  );
  assert.equal(j.sweep.runs.filter((r: Json) => r.version !== null).length, 1);
  await withRegistry(store, async (reg) => {
    assert.equal((await reg.listVersions('sw')).length, 1);
    const runs = await reg.listRuns({ experiment: 'sw' });
    assert.equal(runs.length, 4);
    assert.ok(runs.every((r) => r.status === 'finished'));
    assert.deepEqual(
      runs.filter((r) => r.version !== null).map((r) => r.id),
      [j.run_id],
    );
  });

  const all = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'swall',
    '--store',
    store,
    '--sweep',
    'alpha=0.1,0.5,1',
    '--register',
    'all',
  ]);
  assert.equal(all.sweep.runs.length, 3);
  assert.deepEqual(
    all.sweep.runs.map((r: Json) => r.version),
    [1, 2, 3],
  );
  await withRegistry(store, async (reg) => {
    assert.equal((await reg.listVersions('swall')).length, 3);
  });
});

test('k-fold cross-validation reports mean ± std', async () => {
  const store = freshStore();
  const j = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'cv',
    '--store',
    store,
    '--kfold',
    '4',
  ]);
  const cv = j.cross_validation;
  assert.equal(cv.k, 4);
  assert.equal(cv.metrics.accuracy.folds.length, 4);
  assert.ok(cv.metrics.accuracy.mean > 0.7 && cv.metrics.accuracy.std >= 0);
  assert.equal(j.metrics.cv_accuracy_mean, cv.metrics.accuracy.mean);
  assert.equal(j.metrics.cv_accuracy_std, cv.metrics.accuracy.std);
  const human = await ok([
    'train',
    '--data',
    UCI,
    '--model',
    'cv',
    '--store',
    store,
    '--kfold',
    '3',
  ]);
  assert.match(
    human.stdout,
    /3-fold cross-validation \(training part\): accuracy 0\.\d{4} ± 0\.\d{4}/,
  );
});

test('--config FILE (YAML and JSON) with flags overriding it', async () => {
  const dir = tempDir();
  const store = path.join(dir, 'store');
  writeFileSync(
    path.join(dir, 'sentio.yaml'),
    `data: ${UCI}\nmodel: cfg\nngram: 1-1\nalpha: 0.5\nmin-df: 1\ntags:\n  source: yaml\n`,
  );
  const j = await okJson([
    'train',
    '--config',
    path.join(dir, 'sentio.yaml'),
    '--store',
    store,
    '--alpha',
    '0.25',
  ]);
  assert.equal(j.model, 'cfg');
  assert.deepEqual(j.config.ngram_range, [1, 1]);
  assert.equal(j.config.alpha, 0.25);
  assert.equal(j.config.min_df.count, 1);
  writeFileSync(
    path.join(dir, 'sentio.json'),
    JSON.stringify({ data: UCI, model: 'cfg', sweep: { alpha: [0.5, 1] }, register: 'all' }),
  );
  const k = await okJson(['train', '--config', path.join(dir, 'sentio.json'), '--store', store]);
  assert.equal(k.sweep.runs.length, 2);
  const bad = await sentio(['train', '--config', path.join(dir, 'nope.yaml'), '--store', store]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /TRAIN_CONFIG_FILE/);
});

/** Everything in a store, to compare before and after a failing command. */
async function snapshot(store: string) {
  return withRegistry(store, async (reg) => ({
    runs: (await reg.listRuns()).map((r) => `${r.id}:${r.status}`).sort(),
    models: (await reg.listModels()).map((m) => `${m.name}:${m.versions}`),
    artifacts: (await reg.artifacts.list()).sort(),
  }));
}

test('bad input fails with file:line and writes nothing to the store', async () => {
  const fresh = freshStore();
  const missing = await sentio([
    'train',
    '--data',
    '/nonexistent/x.csv',
    '--model',
    'm',
    '--store',
    fresh,
  ]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /DATA_NOT_FOUND/);
  assert.ok(!existsSync(fresh), 'a failed train must not create the store');

  const rows = Array.from({ length: 20 }, (_, i) => `text number ${i},${i % 2 ? 'pos' : 'neg'}`);
  rows.splice(11, 0, '"an unclosed quote,neg');
  const malformed = tempFile('bad.csv', `text,label\n${rows.join('\n')}\n`);
  const r = await sentio(['train', '--data', malformed, '--model', 'm', '--store', fresh]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /DATA_MALFORMED/);
  assert.ok(r.stderr.includes(`${malformed}:13`), r.stderr);
  assert.ok(!existsSync(fresh));

  // An existing store is left exactly as it was.
  const store = freshStore();
  await ok(['train', '--data', UCI, '--model', 'uci', '--store', store]);
  const before = await snapshot(store);
  for (const args of [
    ['train', '--data', malformed, '--model', 'uci'],
    ['train', '--data', UCI, '--test', malformed, '--model', 'uci'],
    ['train', '--data', tempFile('one.csv', 'text,label\na,x\nb,x\n'), '--model', 'uci'],
    ['train', '--data', tempFile('empty.csv', ''), '--model', 'uci'],
    ['train', '--data', UCI, '--model', 'uci', '--norm', 'l7'],
    ['train', '--data', UCI, '--model', 'uci', '--hashing', '18', '--min-df', '3'],
    ['train', '--data', UCI, '--model', 'uci', '--sweep', 'colour=red'],
    ['train', '--data', UCI, '--model', 'uci', '--text-column', 'body'],
    ['eval', 'uci@1', '--data', malformed],
    ['predict', 'uci@1', '--input', malformed],
  ]) {
    const x = await sentio([...args, '--store', store]);
    assert.notEqual(x.code, 0, args.join(' '));
    assert.match(x.stderr, /^error [A-Z_]+: /m, args.join(' '));
  }
  assert.deepEqual(await snapshot(store), before);
});

test('a run that fails in training is recorded as failed, nothing registered', async () => {
  // Valid data whose every word occurs once: min_df 2 prunes the whole vocabulary.
  const rows = Array.from({ length: 40 }, (_, i) => `word${i} other${i},${i % 2 ? 'pos' : 'neg'}`);
  const unique = tempFile('unique.csv', `text,label\n${rows.join('\n')}\n`);
  const store = freshStore();
  const r = await sentio(['train', '--data', unique, '--model', 'm', '--store', store, '--json']);
  assert.equal(r.code, 5);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /error TRAIN_FAILED: .*EMPTY_VOCABULARY/);
  await withRegistry(store, async (reg) => {
    const runs = await reg.listRuns();
    assert.equal(runs.length, 1);
    assert.equal(runs[0]?.status, 'failed');
    assert.match(runs[0]?.error ?? '', /EMPTY_VOCABULARY/);
    assert.equal(runs[0]?.version, null);
    assert.equal((await reg.listModels()).length, 0);
  });
  // In a sweep the failing point is recorded and the rest carry on.
  const s = await okJson([
    'train',
    '--data',
    unique,
    '--model',
    'm',
    '--store',
    store,
    '--sweep',
    'min-df=1,2',
  ]);
  assert.deepEqual(
    s.sweep.runs.map((x: Json) => x.status),
    ['finished', 'failed'],
  );
  assert.equal(s.version, 1);
  await withRegistry(store, async (reg) => {
    assert.deepEqual((await reg.listRuns()).map((x) => x.status).sort(), [
      'failed',
      'failed',
      'finished',
    ]);
  });
});

test('usage errors exit 2 with a code', async () => {
  const store = freshStore();
  for (const args of [
    ['train', '--model', 'm'],
    ['train', '--data', UCI],
    ['train', '--data', UCI, '--model', 'm', '--ngram', '3-1'],
    ['train', '--data', UCI, '--model', 'm', '--bogus'],
  ]) {
    const r = await sentio([...args, '--store', store]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.ok(!existsSync(store));
  const help = await ok(['train', '--help']);
  for (const flag of [
    '--data',
    '--test',
    '--model',
    '--store',
    '--ngram',
    '--min-df',
    '--max-df',
    '--max-features',
    '--sublinear-tf',
    '--norm',
    '--alpha',
    '--nb',
    '--hashing',
    '--seed',
    '--json',
    '--config',
    '--sweep',
    '--kfold',
    '--register',
    '--metric',
    '--tag',
    '--description',
    '--experiment',
    '--text-column',
    '--label-column',
    '--test-fraction',
  ]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
});

test('hashing, complement NB, norm and max-features reach the engine', async () => {
  const store = freshStore();
  const h = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'h',
    '--store',
    store,
    '--hashing',
    '2^16',
    '--nb',
    'complement',
    '--norm',
    'l1',
    '--no-sublinear-tf',
  ]);
  assert.deepEqual(h.config.hashing, { bits: 16, signed: false });
  assert.equal(h.config.classifier, 'complement');
  assert.equal(h.config.norm, 'l1');
  assert.equal(h.config.sublinear_tf, false);
  const m = await okJson([
    'train',
    '--data',
    UCI,
    '--model',
    'mf',
    '--store',
    store,
    '--max-features',
    '500',
    '--max-df',
    '0.9',
    '--ngram',
    '1-1',
  ]);
  assert.equal(m.n_features, 500);
  assert.equal(m.config.max_features, 500);
});
