// The server side of the web app, without a browser: the page's headers and
// caching, the JSON service index, content-addressed model files (immutable,
// 304, only model files), the redirect from a model name, the event stream
// announcing a new version and an environment move, and the dashboard's
// read routes refusing unknown query parameters.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { sha256Hex } from '../registry/index.js';
import { requireWebBuild } from './test-support/browser.js';
import { type Json, makeStore, modelBytes, registerBytes, serve } from './test-support/fixtures.js';

/** Read server-sent events until `until` matches one, or fail after `ms`. */
function readEvents(
  url: string,
  until: (type: string, data: Json) => boolean,
  ms = 10_000,
): { ready: Promise<void>; done: Promise<Array<[string, Json]>> } {
  let ready!: () => void;
  const readyP = new Promise<void>((r) => {
    ready = r;
  });
  const done = new Promise<Array<[string, Json]>>((resolve, reject) => {
    const seen: Array<[string, Json]> = [];
    const req = http.get(url, (res) => {
      assert.match(res.headers['content-type'] ?? '', /text\/event-stream/);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const type = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (type === undefined || data === undefined) continue;
          const parsed = JSON.parse(data) as Json;
          seen.push([type, parsed]);
          if (type === 'hello') ready();
          if (until(type, parsed)) {
            req.destroy();
            resolve(seen);
          }
        }
      });
    });
    req.on('error', () => {});
    setTimeout(() => {
      req.destroy();
      reject(new Error(`no matching event within ${ms} ms; saw ${JSON.stringify(seen)}`));
    }, ms).unref();
  });
  return { ready: readyP, done };
}

test('web routes: page, index, model files, events and dashboard reads', async (t) => {
  requireWebBuild();
  const store = await makeStore(t, 'sentiment', 1);
  const server = await serve(t, store);
  const u = server.url;

  const page = await fetch(`${u}/`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(
    page.headers.get('content-security-policy') ?? '',
    /script-src 'self' 'wasm-unsafe-eval'/,
  );
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const html = await page.text();
  assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
  const js = await fetch(`${u}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const etag = js.headers.get('etag') as string;
  const again = await fetch(`${u}${asset}`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);

  const index = (await (
    await fetch(`${u}/`, { headers: { accept: 'application/json' } })
  ).json()) as Json;
  assert.equal(index.app, '/');
  assert.equal(index.events, '/v1/events');

  // By name: a redirect (short cache) to the immutable by-hash URL.
  const bytes = await modelBytes(0);
  const sha = sha256Hex(bytes);
  const byName = await fetch(`${u}/v1/models/sentiment/artifact`, { redirect: 'manual' });
  assert.equal(byName.status, 302);
  assert.equal(byName.headers.get('location'), `/v1/artifacts/${sha}`);
  assert.equal(byName.headers.get('cache-control'), 'no-cache');
  assert.equal(byName.headers.get('x-sentio-model-version'), 'sentiment@1');
  const file = await fetch(`${u}/v1/models/sentiment/artifact?version=1`);
  assert.equal(file.status, 200);
  assert.deepEqual(new Uint8Array(await file.arrayBuffer()), bytes);
  assert.equal(file.headers.get('etag'), `"${sha}"`);
  assert.equal(file.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const cached = await fetch(`${u}/v1/artifacts/${sha}`, {
    headers: { 'if-none-match': `"${sha}"` },
  });
  assert.equal(cached.status, 304);
  const unknown = await fetch(`${u}/v1/artifacts/${'0'.repeat(64)}`);
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as Json).error.code, 'ARTIFACT_MISSING');
  const bad = await fetch(`${u}/v1/models/sentiment/artifact?version=1&alias=production`);
  assert.equal(bad.status, 400);
  const missing = await fetch(`${u}/v1/models/nope/artifact`);
  assert.equal(missing.status, 404);

  // Live events: a new version, then an environment move.
  const events = readEvents(`${u}/v1/events`, (type, d) => type === 'environment' && d.to === 2);
  await events.ready;
  const v2 = await registerBytes(store.reg, 'sentiment', await modelBytes(1));
  assert.equal(v2, 2);
  await store.reg.setAlias('sentiment', 'production', 2, { reason: 'test' });
  const seen = await events.done;
  const types = seen.map(([type]) => type);
  assert.ok(types.includes('version'), JSON.stringify(seen));
  assert.deepEqual(seen.find(([type]) => type === 'version')?.[1], {
    model: 'sentiment',
    version: 2,
  });
  assert.deepEqual(seen.find(([type]) => type === 'environment')?.[1], {
    model: 'sentiment',
    env: 'production',
    from: 1,
    to: 2,
  });

  // Dashboard reads.
  const view = (await (await fetch(`${u}/v1/dashboard/models/sentiment`)).json()) as Json;
  assert.deepEqual(
    view.versions.map((v: Json) => v.version),
    [1, 2],
  );
  assert.equal(view.environments.find((e: Json) => e.name === 'production').version, 2);
  assert.ok(view.history.some((h: Json) => h.env === 'production' && h.toVersion === 2));
  const strict = await fetch(`${u}/v1/dashboard/overview?x=1`);
  assert.equal(strict.status, 400);
  const mon = (await (
    await fetch(`${u}/v1/dashboard/models/sentiment/monitoring?window=1h`)
  ).json()) as Json;
  assert.equal(mon.model, 'sentiment');
  const spec = (await (await fetch(`${u}/openapi.json`)).json()) as Json;
  for (const p of [
    '/v1/artifacts/{sha256}',
    '/v1/models/{name}/artifact',
    '/v1/events',
    '/v1/dashboard/models/{name}',
  ]) {
    assert.ok(spec.paths[p], p);
  }
});
