import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SentioError } from '../errors/index.js';
import {
  parseHashing,
  parseNgram,
  parseTags,
  resolveTrainOptions,
  toEngineConfig,
} from './options.js';
import { parseSweep } from './sweep.js';

const resolve = (cli: Record<string, unknown>, file: Record<string, unknown> = {}) =>
  resolveTrainOptions(cli, file, parseSweep);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SentioError, `expected a SentioError, got ${e}`);
    return e.code;
  }
  assert.fail('expected an error');
}

test('flag forms parse: ngram, hashing, tags', () => {
  assert.deepEqual(parseNgram('1-2'), [1, 2]);
  assert.deepEqual(parseNgram('2'), [2, 2]);
  assert.deepEqual(parseNgram([1, 3]), [1, 3]);
  assert.deepEqual(parseNgram('1,2'), [1, 2]);
  assert.equal(
    code(() => parseNgram('2-1')),
    'TRAIN_BAD_OPTION',
  );
  assert.equal(
    code(() => parseNgram('a-b')),
    'TRAIN_BAD_OPTION',
  );
  assert.equal(parseHashing('20'), 20);
  assert.equal(parseHashing('2^20'), 20);
  assert.equal(parseHashing(1048576), 20);
  assert.equal(
    code(() => parseHashing('1000')),
    'TRAIN_BAD_OPTION',
  );
  assert.equal(
    code(() => parseHashing('2^30')),
    'TRAIN_BAD_OPTION',
  );
  assert.deepEqual(parseTags(['team=nlp', 'ticket=ML-1=2']), { team: 'nlp', ticket: 'ML-1=2' });
  assert.deepEqual(parseTags({ a: 1 }), { a: '1' });
  assert.equal(
    code(() => parseTags(['oops'])),
    'TRAIN_BAD_OPTION',
  );
});

test('defaults are the benchmark configuration and map onto the engine config', () => {
  const o = resolve({ data: 'x.csv', model: 'm' });
  assert.equal(o.experiment, 'm');
  assert.equal(o.seed, 42);
  assert.equal(o.testFraction, 0.2);
  assert.deepEqual(toEngineConfig(o), {
    ngram_range: [1, 2],
    sublinear_tf: true,
    norm: 'l2',
    alpha: 1,
    classifier: 'multinomial',
    min_df: 2,
  });
});

test('CLI flags override the config file, which overrides defaults', () => {
  const o = resolve(
    { data: 'cli.csv', model: 'm', alpha: '0.5', sublinearTf: false },
    {
      data: 'file.csv',
      alpha: 2,
      ngram: '1-3',
      nb: 'complement',
      minDf: 3,
      maxDf: 0.9,
      maxFeatures: '1000',
    },
  );
  assert.equal(o.data, 'cli.csv');
  assert.equal(o.alpha, 0.5);
  assert.deepEqual(o.ngram, [1, 3]);
  assert.equal(o.nb, 'complement');
  assert.deepEqual(toEngineConfig(o), {
    ngram_range: [1, 3],
    sublinear_tf: false,
    norm: 'l2',
    alpha: 0.5,
    classifier: 'complement',
    min_df: 3,
    max_df: 0.9,
    max_features: 1000,
  });
});

test('hashing drops the vocabulary defaults and refuses explicit pruning', () => {
  const o = resolve({ data: 'x', model: 'm', hashing: '2^18', norm: 'none' });
  assert.deepEqual(toEngineConfig(o), {
    ngram_range: [1, 2],
    sublinear_tf: true,
    norm: 'none',
    alpha: 1,
    classifier: 'multinomial',
    hashing: { bits: 18 },
  });
  assert.equal(
    code(() => resolve({ data: 'x', model: 'm', hashing: '18', minDf: '2' })),
    'TRAIN_BAD_OPTION',
  );
});

test('invalid values name the flag', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ norm: 'l3' }, '--norm'],
    [{ nb: 'gaussian' }, '--nb'],
    [{ alpha: '-1' }, '--alpha'],
    [{ minDf: '0' }, '--min-df'],
    [{ minDf: '2.5' }, '--min-df'],
    [{ testFraction: '1' }, '--test-fraction'],
    [{ kfold: '1' }, '--kfold'],
    [{ metric: 'auc' }, '--metric'],
    [{ register: 'some' }, '--register'],
    [{ seed: '-3' }, '--seed'],
    [{ maxFeatures: '0' }, '--max-features'],
  ];
  for (const [extra, flag] of cases) {
    assert.throws(
      () => resolve({ data: 'x', model: 'm', ...extra }),
      (e: unknown) =>
        e instanceof SentioError && e.code === 'TRAIN_BAD_OPTION' && e.message.startsWith(flag),
      flag,
    );
  }
  assert.equal(
    code(() => resolve({ model: 'm' })),
    'CLI_USAGE',
  );
  assert.equal(
    code(() => resolve({ data: 'x' })),
    'CLI_USAGE',
  );
  assert.equal(
    code(() => resolve({ data: 'x', model: 'bad@name' })),
    'TRAIN_BAD_OPTION',
  );
});
