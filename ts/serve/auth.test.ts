import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { hashedKeyLine, matchesAny, parseKeyFile } from './auth.js';
import { type Json, makeStore, postJson, serve, tempDir } from './test-support/fixtures.js';
import { TestWs } from './test-support/ws-client.js';

const PLAIN_KEY = 'plain-key-0123456789abcdef';
const HASHED_KEY = 'hashed-key-fedcba9876543210';
const ADMIN = 'admin-token-0123456789abcdef';

function assertBareError(body: Json, code: string): void {
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'requestId']);
  assert.equal(body.error.code, code);
  const text = JSON.stringify(body);
  for (const secret of [PLAIN_KEY, HASHED_KEY, ADMIN, 'sha256']) {
    assert.ok(!text.includes(secret), `error leaks ${secret}`);
  }
}

test('key files: plain keys are hashed on load, sha256 lines kept, comparison by digest', () => {
  const keys = parseKeyFile(`# comment\n${PLAIN_KEY}\n\n${hashedKeyLine(HASHED_KEY)}\n`);
  assert.equal(keys.length, 2);
  assert.ok(matchesAny(PLAIN_KEY, keys));
  assert.ok(matchesAny(HASHED_KEY, keys));
  assert.ok(!matchesAny('nope', keys));
  assert.ok(!matchesAny(hashedKeyLine(HASHED_KEY), keys));
  assert.throws(() => parseKeyFile('short'), { code: 'SERVE_BAD_OPTION' });
  assert.throws(() => parseKeyFile('# nothing\n'), { code: 'SERVE_BAD_OPTION' });
});

test('API keys guard prediction routes and the WebSocket; admin routes need the admin token', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const keyFile = path.join(tempDir(t), 'keys');
  fs.writeFileSync(keyFile, `${PLAIN_KEY}\n${hashedKeyLine(HASHED_KEY)}\n`);
  const server = await serve(t, store, { apiKeyFile: keyFile, adminToken: ADMIN });
  const url = `${server.url}/v1/models/sentiment/predict`;

  const none = await postJson(url, { text: 'great' });
  assert.equal(none.status, 401);
  assertBareError(none.body, 'SERVE_UNAUTHORIZED');
  const wrong = await postJson(
    url,
    { text: 'great' },
    { authorization: 'Bearer wrong-key-0000000000' },
  );
  assert.equal(wrong.status, 403);
  assertBareError(wrong.body, 'SERVE_FORBIDDEN');
  const malformed = await postJson(url, { text: 'great' }, { authorization: 'Basic abc' });
  assert.equal(malformed.status, 403);
  // Credentials are checked before the body is parsed.
  const badBody = await postJson(url, '{not json');
  assert.equal(badBody.status, 401);

  const plain = await postJson(url, { text: 'great' }, { authorization: `Bearer ${PLAIN_KEY}` });
  assert.equal(plain.status, 200);
  const hashed = await postJson(url, { text: 'great' }, { 'x-api-key': HASHED_KEY });
  assert.equal(hashed.status, 200);

  assert.equal((await fetch(`${server.url}/v1/models`)).status, 401);
  assert.equal(
    (await fetch(`${server.url}/v1/models`, { headers: { 'x-api-key': PLAIN_KEY } })).status,
    200,
  );
  // Health, readiness, metrics and docs stay open.
  for (const p of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
    assert.equal((await fetch(`${server.url}${p}`)).status, 200, p);
  }

  await assert.rejects(
    () => TestWs.open(server.url),
    (e: { status?: number }) => e.status === 401,
  );
  await assert.rejects(
    () => TestWs.open(server.url, { authorization: 'Bearer nope-nope-nope-nope' }),
    (e: { status?: number }) => e.status === 403,
  );
  const c = await TestWs.open(server.url, { 'x-api-key': PLAIN_KEY });
  const a = await c.ask({ id: 1, model: 'sentiment', text: 'great' });
  assert.equal(a.label, 'positive');
  c.close();

  const reload = `${server.url}/v1/admin/reload`;
  const noToken = await postJson(reload, {});
  assert.equal(noToken.status, 401);
  assertBareError(noToken.body, 'SERVE_UNAUTHORIZED');
  const apiKeyAsAdmin = await postJson(reload, {}, { authorization: `Bearer ${PLAIN_KEY}` });
  assert.equal(apiKeyAsAdmin.status, 403);
  assertBareError(apiKeyAsAdmin.body, 'SERVE_FORBIDDEN');
  const ok = await postJson(reload, {}, { authorization: `Bearer ${ADMIN}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.models[0].version, store.versions[0]);
});

test('without a configured admin token, admin routes are refused', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const saved = process.env.SENTIO_ADMIN_TOKEN;
  delete process.env.SENTIO_ADMIN_TOKEN;
  t.after(() => {
    if (saved !== undefined) process.env.SENTIO_ADMIN_TOKEN = saved;
  });
  const server = await serve(t, store);
  const res = await postJson(
    `${server.url}/v1/admin/reload`,
    {},
    { authorization: `Bearer ${ADMIN}` },
  );
  assert.equal(res.status, 403);
  assertBareError(res.body, 'SERVE_FORBIDDEN');
  // Predictions need no key when no key file is given.
  assert.equal(
    (await postJson(`${server.url}/v1/models/sentiment/predict`, { text: 'ok' })).status,
    200,
  );
});
