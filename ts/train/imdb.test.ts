// The "done when": IMDB train.csv → test.csv with scikit-learn's
// configuration reaches scikit-learn's accuracy. The shared data README
// reports it rounded to 0.8727; scikit-learn 1.2.1 scores exactly 0.87268
// (21,817 of 25,000) on these files, so the test asks for both: at least
// 0.8727 at the README's four decimals, and nothing below 0.87268 unrounded.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { freshStore, IMDB_TEST, IMDB_TRAIN, ok } from './test-support/cli.js';

const SKLEARN_ACCURACY = 0.87268;

test('imdb: train.csv --test test.csv reaches scikit-learn accuracy', {
  skip: !existsSync(IMDB_TRAIN) && 'no imdb data',
}, async () => {
  const store = freshStore();
  const r = await ok([
    'train',
    '--data',
    IMDB_TRAIN,
    '--test',
    IMDB_TEST,
    '--model',
    'imdb',
    '--ngram',
    '1-2',
    '--min-df',
    '2',
    '--sublinear-tf',
    '--alpha',
    '1',
    '--store',
    store,
    '--json',
  ]);
  const j = JSON.parse(r.stdout);
  const accuracy = j.metrics.accuracy as number;
  console.log(
    `imdb accuracy ${accuracy} (${(accuracy * 25000).toFixed(0)}/25000), features ${j.n_features}, wall ${(r.ms / 1000).toFixed(1)}s`,
  );
  assert.ok(Number(accuracy.toFixed(4)) >= 0.8727, `accuracy ${accuracy}`);
  assert.ok(
    accuracy >= SKLEARN_ACCURACY - 1e-12,
    `accuracy ${accuracy} below scikit-learn's ${SKLEARN_ACCURACY}`,
  );
  assert.equal(j.n_features, 438654, 'same vocabulary size as scikit-learn');
  assert.equal(j.metrics.n, 25000);
  assert.equal(j.metrics.n_train, 25000);
  assert.equal(j.version, 1);
});
