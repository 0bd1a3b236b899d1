import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SentioError } from '../errors/index.js';
import { loadConfigFile, parseConfigText } from './config-file.js';
import { resolveTrainOptions, toEngineConfig } from './options.js';
import { parseSweep } from './sweep.js';
import { tempDir } from './test-support/cli.js';

test('YAML config: flag, snake and camel spellings; paths relative to the file', async () => {
  const dir = tempDir('sentio-config-');
  const file = path.join(dir, 'sentio.yaml');
  writeFileSync(
    file,
    [
      'data: data/train.csv',
      'test: /abs/test.csv',
      'model: reviews',
      'ngram: 1-3',
      'min_df: 3',
      'sublinearTf: false',
      'alpha: 0.5',
      'tags: { team: nlp }',
      'sweep:',
      '  alpha: [0.1, 1]',
      '',
    ].join('\n'),
  );
  const raw = await loadConfigFile(file);
  assert.equal(raw.data, path.join(dir, 'data/train.csv'));
  assert.equal(raw.test, '/abs/test.csv');
  const o = resolveTrainOptions({ alpha: '0.7' }, raw, parseSweep);
  assert.equal(o.model, 'reviews');
  assert.deepEqual(o.tags, { team: 'nlp' });
  assert.deepEqual(o.sweep, [{ key: 'alpha', values: [0.1, 1] }]);
  assert.deepEqual(toEngineConfig(o), {
    ngram_range: [1, 3],
    sublinear_tf: false,
    norm: 'l2',
    alpha: 0.7,
    classifier: 'multinomial',
    min_df: 3,
  });
});

test('JSON config and its errors', async () => {
  assert.deepEqual(parseConfigText('{"model": "m", "max-df": 0.5}', '/x/c.json'), {
    model: 'm',
    maxDf: 0.5,
  });
  assert.deepEqual(parseConfigText('', '/x/c.yaml'), {});
  const bad = (text: string, file = '/x/c.yaml') =>
    assert.throws(
      () => parseConfigText(text, file),
      (e: unknown) =>
        e instanceof SentioError && e.code === 'TRAIN_CONFIG_FILE' && e.message.includes(file),
    );
  bad('{"model": ', '/x/c.json');
  bad('model: [unclosed');
  bad('- a\n- b');
  bad('modle: typo');
  await assert.rejects(loadConfigFile('/nonexistent/sentio.yaml'), (e: unknown) => {
    return e instanceof SentioError && e.code === 'TRAIN_CONFIG_FILE';
  });
});
