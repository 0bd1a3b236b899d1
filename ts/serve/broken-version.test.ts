import assert from 'node:assert/strict';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { makeStore, modelBytes, postJson, registerBytes, serve } from './test-support/fixtures.js';

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

test('a version that fails to load or verify is not switched to; the old one keeps answering', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const [v1] = store.versions as [number];
  // v2: an artifact that is not a model; v3: a good model whose file gets corrupted on disk.
  const v2 = await registerBytes(store.reg, 'sentiment', new TextEncoder().encode('not a model'));
  const v3 = await registerBytes(store.reg, 'sentiment', await modelBytes(1));
  const v4 = await registerBytes(store.reg, 'sentiment', await modelBytes(2));
  const logs: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line));
  });
  const server = await serve(t, store, {
    log: { level: 'info', stream },
    adminToken: 'admin-token-0123456789abcdef',
  });
  const predict = () => postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'great' });
  const ready = async () => (await fetch(`${server.url}/readyz`)).json();

  // Broken model bytes.
  await store.reg.setAlias('sentiment', 'production', v2, {});
  const failed = await waitFor(async () => {
    const r = await ready();
    return r.models[0].lastFailure?.version === v2 ? r : undefined;
  });
  assert.equal(failed.ready, true, 'the old version still serves, so the server stays ready');
  assert.equal(failed.models[0].status, 'degraded');
  assert.equal(failed.models[0].version, v1);
  assert.equal(failed.models[0].target, v2);
  assert.match(failed.models[0].lastFailure.message, /failed to load in the engine/);
  for (let i = 0; i < 20; i++) {
    const r = await predict();
    assert.equal(r.status, 200);
    assert.equal(r.body.version, v1);
  }
  const log = logs.find((l) => l.event === 'model_swap_failed');
  assert.ok(log, 'the failure is logged');
  assert.equal(log.version, v2);
  assert.equal(log.keeping, v1);
  assert.equal(log.level, 50);
  let metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(
    metrics,
    new RegExp(
      `sentio_model_swap_failures_total\\{model="sentiment",ref="sentiment@production",version="${v2}",code="[A-Z_]+"\\} 1`,
    ),
  );
  assert.match(metrics, new RegExp(`sentio_model_version_info\\{[^}]*version="${v1}"`));

  // Corrupted artifact: the sha256 check refuses it.
  const file = store.reg.artifacts.pathOf(
    (await store.reg.getVersion('sentiment', v3)).modelSha256,
  );
  const good = fs.readFileSync(file);
  fs.chmodSync(file, 0o644);
  const bad = Buffer.from(good);
  bad[bad.length >> 1] = (bad[bad.length >> 1] as number) ^ 0xff;
  fs.writeFileSync(file, bad);
  await store.reg.setAlias('sentiment', 'production', v3, {});
  const corrupt = await waitFor(async () => {
    const r = await ready();
    return r.models[0].lastFailure?.version === v3 ? r : undefined;
  });
  assert.equal(corrupt.models[0].lastFailure.code, 'ARTIFACT_CORRUPT');
  assert.equal(corrupt.models[0].version, v1);
  assert.equal((await predict()).body.version, v1);
  metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, new RegExp(`version="${v3}",code="ARTIFACT_CORRUPT"\\} 1`));

  // Repaired: an admin reload retries at once instead of waiting for the back-off.
  fs.writeFileSync(file, good);
  const reload = await postJson(
    `${server.url}/v1/admin/reload`,
    {},
    {
      authorization: 'Bearer admin-token-0123456789abcdef',
    },
  );
  assert.equal(reload.status, 200);
  assert.equal(reload.body.models[0].version, v3);
  assert.equal(reload.body.models[0].status, 'ready');
  assert.equal((await predict()).body.version, v3);

  // A good version after that is switched to as usual.
  await store.reg.setAlias('sentiment', 'production', v4, {});
  await waitFor(async () => ((await predict()).body.version === v4 ? true : undefined));
});

test('start-up fails clearly on an unknown model, alias or a broken version', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const { startServer } = await import('./server.js');
  const base = { store: store.dir, port: 0, log: { level: 'silent' } };
  await assert.rejects(startServer({ ...base, models: ['nope'] }), { code: 'REGISTRY_NOT_FOUND' });
  await assert.rejects(startServer({ ...base, models: ['sentiment@staging'] }), {
    code: 'REGISTRY_NOT_FOUND',
  });
  await assert.rejects(startServer({ ...base, models: ['bad@@ref'] }), {
    code: 'REGISTRY_BAD_REF',
  });
  const v2 = await registerBytes(store.reg, 'sentiment', new TextEncoder().encode('garbage'));
  await assert.rejects(startServer({ ...base, models: [`sentiment@${v2}`] }), {
    code: 'SERVE_MODEL_LOAD_FAILED',
  });
  await assert.rejects(startServer({ ...base, limits: { maxTextChars: -1 } }), {
    code: 'SERVE_BAD_OPTION',
  });
});
