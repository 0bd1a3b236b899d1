// driftMaxPerSecond: under heavy traffic only the first N texts of each
// second are measured for drift (the server's default keeps measuring a
// bounded cost); every text is still logged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadEngine } from '../engine/index.js';
import { PredictionLogger } from './logger.js';
import { memoryBackend } from './test-support/blocks.js';

test('driftMaxPerSecond caps measured texts per second; every text is logged', async () => {
  const engine = await loadEngine();
  const texts = ['good fun film', 'bad awful plot', 'great acting', 'terrible and boring'];
  const model = await engine.train({}, texts, ['pos', 'neg', 'pos', 'neg']);
  const reference = {
    token_df: { features: ['good', 'bad'], df: [1, 1], total: 4 },
    text_lengths: [10, 12],
  };
  let now = 10_000;
  const { backend, rows, buckets } = memoryBackend();
  const logger = new PredictionLogger(backend, { driftMaxPerSecond: 7, now: () => now });
  logger.attach('m', 1, model, reference as never);
  const log = (i: number) =>
    logger.log({
      id: `p${i}`,
      model: 'm',
      version: 1,
      label: 'pos',
      classes: ['neg', 'pos'],
      probabilities: [0.4, 0.6],
      latencyMs: 1,
      text: `${texts[i % 4]} ${i}`,
    });
  for (let i = 0; i < 20; i++) log(i);
  await logger.flush();
  now += 1000; // the next second: a fresh budget
  for (let i = 20; i < 30; i++) log(i);
  await logger.close();
  assert.equal(rows.length, 30);
  const measured = rows.filter((r) => r.tokens !== null);
  assert.equal(measured.length, 14);
  assert.deepEqual(
    measured.map((r) => r.id),
    [...Array(7).keys()].map((i) => `p${i}`).concat([...Array(7).keys()].map((i) => `p${20 + i}`)),
  );
  assert.equal(logger.counters().measured, 14);
  assert.equal(
    buckets.reduce((a, b) => a + b.docs, 0),
    14,
  );
  model.dispose();
});
