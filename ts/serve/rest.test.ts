import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeStore, postJson, reviewText, serve } from './test-support/fixtures.js';

test('REST: predict one text, a batch, with explanation, by alias and by version', async (t) => {
  const store = await makeStore(t, 'sentiment', 2);
  const [v1, v2] = store.versions as [number, number];
  const server = await serve(t, store, { models: ['sentiment@production', `sentiment@${v2}`] });
  const url = `${server.url}/v1/models/sentiment/predict`;

  const one = await postJson(url, { text: 'What a great phone, I love it' });
  assert.equal(one.status, 200);
  assert.equal(one.body.model, 'sentiment');
  assert.equal(one.body.version, v1);
  assert.equal(one.body.label, 'positive');
  assert.match(one.body.id, /^p[0-9a-f]+-/);
  assert.deepEqual(Object.keys(one.body.probabilities), ['negative', 'positive']);
  const sum = Object.values(one.body.probabilities as Record<string, number>).reduce(
    (a, b) => a + b,
  );
  assert.ok(Math.abs(sum - 1) < 1e-9);
  assert.equal(one.headers.get('x-sentio-model-version'), `sentiment@${v1}`);
  assert.ok(one.headers.get('x-request-id'));

  const many = await postJson(url, {
    texts: ['awful, broke after a day', 'excellent value', reviewText()],
  });
  assert.equal(many.status, 200);
  assert.equal(many.body.version, v1);
  assert.equal(many.body.predictions.length, 3);
  assert.equal(many.body.predictions[0].label, 'negative');
  assert.equal(many.body.predictions[1].label, 'positive');
  const ids = new Set(many.body.predictions.map((p: { id: string }) => p.id));
  assert.equal(ids.size, 3);

  const explained = await postJson(url, { text: 'not good at all, terrible', explain: 3 });
  assert.equal(explained.status, 200);
  assert.equal(explained.body.explanation.length, 3);
  assert.equal(typeof explained.body.explanation[0].feature, 'string');

  const byVersion = await postJson(url, { text: 'fine', version: v2 });
  assert.equal(byVersion.status, 200);
  assert.equal(byVersion.body.version, v2);
  const byAlias = await postJson(url, { text: 'fine', alias: 'production' });
  assert.equal(byAlias.body.version, v1);
  const mismatch = await postJson(url, { text: 'fine', alias: 'production', version: v2 });
  assert.equal(mismatch.status, 409);
  assert.equal(mismatch.body.error.code, 'SERVE_VERSION_MISMATCH');
  const notLoaded = await postJson(url, { text: 'fine', version: 99 });
  assert.equal(notLoaded.status, 404);
  assert.equal(notLoaded.body.error.code, 'SERVE_VERSION_NOT_LOADED');
  const noAlias = await postJson(url, { text: 'fine', alias: 'staging' });
  assert.equal(noAlias.body.error.code, 'SERVE_ALIAS_NOT_SERVED');
  const unknown = await postJson(`${server.url}/v1/models/nope/predict`, { text: 'fine' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'SERVE_MODEL_NOT_FOUND');
});

test('REST: models, health, readiness, metrics, OpenAPI and docs', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const server = await serve(t, store);
  const models = await (await fetch(`${server.url}/v1/models`)).json();
  assert.equal(models.models.length, 1);
  assert.equal(models.models[0].name, 'sentiment');
  assert.equal(models.models[0].served[0].ref, 'sentiment@production');
  assert.equal(models.models[0].served[0].alias, 'production');
  assert.equal(models.models[0].served[0].version, store.versions[0]);
  assert.ok(models.models[0].served[0].since);
  const one = await fetch(`${server.url}/v1/models/sentiment`);
  assert.equal(one.status, 200);
  const missing = await fetch(`${server.url}/v1/models/other`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'SERVE_MODEL_NOT_FOUND');

  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 200);
  const r = await ready.json();
  assert.equal(r.ready, true);
  assert.equal(r.models[0].status, 'ready');

  await postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'great' });
  await postJson(`${server.url}/v1/models/sentiment/predict`, { text: '' });
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(
    metrics,
    /sentio_http_requests_total\{method="POST",route="\/v1\/models\/:name\/predict",status="200"\} 1/,
  );
  assert.match(metrics, /sentio_http_request_duration_seconds_bucket/);
  assert.match(metrics, /sentio_batch_size_bucket/);
  assert.match(
    metrics,
    /sentio_model_version_info\{model="sentiment",ref="sentiment@production",alias="production",version="1"/,
  );
  assert.match(metrics, /sentio_errors_total\{code="SERVE_EMPTY_TEXT",transport="http"\} 1/);
  assert.match(metrics, /sentio_model_swap_failures_total/);

  const spec = await (await fetch(`${server.url}/openapi.json`)).json();
  assert.equal(spec.openapi, '3.1.0');
  assert.ok(spec.paths['/v1/models/{name}/predict'].post);
  assert.equal(spec.externalDocs.url, '/docs');
  const docs = await fetch(`${server.url}/docs`);
  assert.equal(docs.status, 200);
  assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
  assert.match(docs.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.equal(docs.headers.get('x-frame-options'), 'DENY');
  assert.equal(docs.headers.get('x-content-type-options'), 'nosniff');
  const html = await docs.text();
  assert.match(html, /\/v1\/models\/\{name\}\/predict/);
  assert.doesNotMatch(html, /<script/);
});

test('REST: CORS is off by default and allows only configured origins', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const plain = await serve(t, store);
  const res = await fetch(`${plain.url}/healthz`, { headers: { origin: 'http://example.test' } });
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  const withCors = await serve(t, store, { cors: ['http://app.test'] });
  const ok = await fetch(`${withCors.url}/healthz`, { headers: { origin: 'http://app.test' } });
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://app.test');
  const other = await fetch(`${withCors.url}/healthz`, { headers: { origin: 'http://evil.test' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const pre = await fetch(`${withCors.url}/v1/models/sentiment/predict`, {
    method: 'OPTIONS',
    headers: { origin: 'http://app.test', 'access-control-request-method': 'POST' },
  });
  assert.equal(pre.status, 204);
  assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
});

test('portFallback: a taken port falls back to a free one (the demo)', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const first = await serve(t, store);
  const second = await serve(t, store, { port: first.port, portFallback: true });
  assert.notEqual(second.port, first.port);
  assert.equal((await fetch(`${second.url}/healthz`)).status, 200);
  await assert.rejects(serve(t, store, { port: first.port }), { code: 'SERVE_LISTEN_FAILED' });
});
