import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { makeStore, reviewText, serve } from './test-support/fixtures.js';
import { TestWs } from './test-support/ws-client.js';

test('WebSocket: one text, a batch, explain, ping, errors keep the connection', async (t) => {
  const store = await makeStore(t, 'sentiment', 2);
  const [v1, v2] = store.versions as [number, number];
  const server = await serve(t, store, { models: ['sentiment@production', `sentiment@${v2}`] });
  const c = await TestWs.open(server.url);
  t.after(() => c.close());

  const one = await c.ask({ id: 1, model: 'sentiment', text: 'I love this, works great' });
  assert.equal(one.label, 'positive');
  assert.equal(one.version, v1);
  assert.equal(one.model, 'sentiment');
  assert.match(String(one.predictionId), /^p[0-9a-f]+-/);
  assert.deepEqual(Object.keys(one.probabilities as object), ['negative', 'positive']);

  const batch = await c.ask({ id: 'b', model: 'sentiment', texts: ['terrible', 'superb'] });
  assert.equal((batch.predictions as unknown[]).length, 2);
  assert.equal(batch.version, v1);

  const pinned = await c.ask({ id: 'v', model: 'sentiment', text: 'ok', version: v2 });
  assert.equal(pinned.version, v2);

  const ex = await c.ask({ id: 'e', model: 'sentiment', text: 'not good', explain: 2 });
  assert.equal((ex.explanation as unknown[]).length, 2);

  const pong = await c.ask({ id: 'p', type: 'ping' });
  assert.equal(pong.type, 'pong');

  const bad = await c.ask({ id: 'x', model: 'sentiment', text: '   ' });
  assert.equal((bad.error as { code: string }).code, 'SERVE_EMPTY_TEXT');
  const unknown = await c.ask({ id: 'u', model: 'nope', text: 'hi' });
  assert.equal((unknown.error as { code: string }).code, 'SERVE_MODEL_NOT_FOUND');
  // Still usable.
  const again = await c.ask({ id: 2, model: 'sentiment', text: 'great' });
  assert.equal(again.label, 'positive');
});

test('WebSocket: many requests in flight are answered by id, out of order', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const server = await serve(t, store);
  const c = await TestWs.open(server.url);
  t.after(() => c.close());

  // A large batch goes to the engine's thread pool; a single text sent after it is
  // answered on the event loop first.
  const big = Array.from({ length: 700 }, (_, i) => `${reviewText()} ${i}`);
  const bigP = c.answerTo('big', 20_000);
  const smallP = c.answerTo('small');
  c.send({ id: 'big', model: 'sentiment', texts: big });
  c.send({ id: 'small', model: 'sentiment', text: 'fine' });
  await Promise.all([bigP, smallP]);
  const order = c.answers.map((a) => a.id);
  assert.ok(order.indexOf('small') < order.indexOf('big'), `answers came as ${order.join(',')}`);

  // 500 singles in flight at once: every id answered exactly once, with the right label.
  const texts = ['awful product', 'love it', 'broke in a week', 'excellent'];
  const ids = Array.from({ length: 500 }, (_, i) => `m${i}`);
  const all = Promise.all(ids.map((id) => c.answerTo(id)));
  ids.forEach((id, i) => {
    c.send({ id, model: 'sentiment', text: texts[i % 4] });
  });
  const answers = await all;
  for (let i = 0; i < ids.length; i++) {
    assert.equal(answers[i]?.id, ids[i]);
    assert.equal(answers[i]?.label, i % 2 === 0 ? 'negative' : 'positive');
  }
  const seen = c.answers.filter((a) => String(a.id).startsWith('m')).map((a) => a.id);
  assert.equal(new Set(seen).size, 500);
  assert.equal(seen.length, 500);

  // Concurrent messages were micro-batched: fewer engine calls than texts.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const count = Number(/sentio_batch_size_count\{model="sentiment"\} (\d+)/.exec(metrics)?.[1]);
  assert.ok(count < 500, `expected micro-batching, got ${count} engine calls for 501 texts`);
});

test('WebSocket: refused upgrades are plain HTTP errors', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const server = await serve(t, store);
  await assert.rejects(
    () => new TestWs(`${server.url}/v1/other`).opened,
    (e: { status?: number }) => e.status === 404,
  );
});

test('WebSocket frames are unmasked natively: bufferutil loads (ws otherwise unmasks in a JavaScript loop)', () => {
  // ws resolves bufferutil from its own location; so does this require.
  const require = createRequire(import.meta.url);
  const native = require('bufferutil') as { unmask: unknown };
  const fallback = require('bufferutil/fallback') as { unmask: unknown };
  assert.equal(typeof native.unmask, 'function');
  assert.notEqual(native.unmask, fallback.unmask, 'bufferutil fell back to JavaScript');
  const data = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const mask = Buffer.from([0xff, 0, 0xff, 0]);
  (native.unmask as (b: Buffer, m: Buffer) => void)(data, mask);
  assert.deepEqual([...data], [0xfe, 2, 0xfc, 4, 0xfa, 6, 0xf8, 8, 0xf6]);
});
