import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SentioError } from '../errors/index.js';
import { resolveTrainOptions } from './options.js';
import { applyPoint, expandGrid, normalizeKey, parseSweep } from './sweep.js';

test('sweep flags parse into typed axes', () => {
  const axes = parseSweep(['alpha=0.1,0.5,1', 'ngram=1-1,1-2', 'min_df=1,2']);
  assert.deepEqual(axes, [
    { key: 'alpha', values: [0.1, 0.5, 1] },
    {
      key: 'ngram',
      values: [
        [1, 1],
        [1, 2],
      ],
    },
    { key: 'min-df', values: [1, 2] },
  ]);
  assert.deepEqual(parseSweep({ sublinearTf: [true, false], nb: 'multinomial,complement' }), [
    { key: 'sublinear-tf', values: [true, false] },
    { key: 'nb', values: ['multinomial', 'complement'] },
  ]);
  assert.deepEqual(parseSweep(undefined), []);
  assert.equal(normalizeKey('maxFeatures'), 'max-features');
});

test('bad sweeps fail with TRAIN_BAD_OPTION', () => {
  for (const bad of [['alpha'], ['data=a,b'], ['alpha=x'], ['alpha=1', 'alpha=2'], ['alpha=']]) {
    assert.throws(
      () => parseSweep(bad),
      (e: unknown) => e instanceof SentioError && e.code === 'TRAIN_BAD_OPTION',
      bad.join(' '),
    );
  }
});

test('the grid is the cartesian product, first axis outermost', () => {
  const grid = expandGrid(parseSweep(['alpha=0.1,1', 'ngram=1-1,1-2,1-3']));
  assert.equal(grid.length, 6);
  assert.deepEqual(
    grid.map((g) => g.label),
    [
      'alpha=0.1 ngram=1-1',
      'alpha=0.1 ngram=1-2',
      'alpha=0.1 ngram=1-3',
      'alpha=1 ngram=1-1',
      'alpha=1 ngram=1-2',
      'alpha=1 ngram=1-3',
    ],
  );
  assert.deepEqual(grid[4]?.overrides, { alpha: 1, ngram: [1, 2] });
  assert.deepEqual(expandGrid([]), [{ overrides: {}, label: '', values: {} }]);
  assert.throws(() => expandGrid([{ key: 'alpha', values: Array(1001).fill(1) }]), SentioError);
});

test('grid points apply over the base options and are checked', () => {
  const base = resolveTrainOptions({ data: 'x', model: 'm', minDf: '3' }, {}, parseSweep);
  const [p] = expandGrid(parseSweep(['alpha=0.3']));
  assert.equal(applyPoint(base, p as never).alpha, 0.3);
  const [h] = expandGrid(parseSweep(['hashing=16']));
  assert.throws(() => applyPoint(base, h as never), SentioError);
});
