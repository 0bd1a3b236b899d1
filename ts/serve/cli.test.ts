import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { openRegistry } from '../registry/index.js';
import { spawnServe } from './test-support/cli-server.js';
import { CLI, makeStore, tempDir } from './test-support/fixtures.js';

function serveSync(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stderr: r.stderr };
}

test('sentio serve: start-up errors exit with the code of their error', async (t) => {
  const dir = tempDir(t);
  const missing = serveSync(['--store', path.join(dir, 'nope')]);
  assert.equal(missing.code, 6);
  assert.match(missing.stderr, /REGISTRY_STORE_NOT_FOUND/);

  const empty = path.join(dir, 'empty');
  await (await openRegistry(empty)).close();
  const none = serveSync(['--store', empty]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /SERVE_BAD_OPTION: .*no model versions/);

  const store = await makeStore(t, 'sentiment', 1);
  const unknown = serveSync(['--store', store.dir, '--model', 'other@production']);
  assert.equal(unknown.code, 6);
  assert.match(unknown.stderr, /REGISTRY_NOT_FOUND/);
  const badPort = serveSync(['--store', store.dir, '--port', '70000']);
  assert.equal(badPort.code, 2);
  const keys = serveSync(['--store', store.dir, '--api-key-file', path.join(dir, 'no-keys')]);
  assert.equal(keys.code, 2);
  assert.match(keys.stderr, /SERVE_BAD_OPTION: cannot read the API key file/);
  const weak = serveSync(['--store', store.dir], { SENTIO_ADMIN_TOKEN: 'short' });
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /admin token/);
  fs.writeFileSync(path.join(dir, 'token'), 'admin-token-from-a-file-0123456789');

  // A taken port.
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const taken = spawnSync(
    process.execPath,
    [CLI, 'serve', '--store', store.dir, '--port', String(port)],
    {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  assert.equal(taken.status, 8);
  assert.match(taken.stderr, /SERVE_LISTEN_FAILED/);
});

test('sentio serve: JSON logs with request ids, admin token from a file, serves every model by default', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'token'), 'admin-token-from-a-file-0123456789\n');
  const server = await spawnServe([
    '--store',
    store.dir,
    '--admin-token-file',
    path.join(dir, 'token'),
    '--access-log',
  ]);
  t.after(() => server.stop('SIGKILL'));
  assert.match(server.stderr(), /sentiment@production \(v1\)/);
  const res = await fetch(`${server.url}/v1/models/sentiment/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-abc-123' },
    body: JSON.stringify({ text: 'great' }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-request-id'), 'req-abc-123');
  const reload = await fetch(`${server.url}/v1/admin/reload`, {
    method: 'POST',
    headers: { authorization: 'Bearer admin-token-from-a-file-0123456789' },
  });
  assert.equal(reload.status, 200);
  await new Promise((r) => setTimeout(r, 100));
  const completed = server.logs.find(
    (l) => l.reqId === 'req-abc-123' && l.msg === 'request completed',
  );
  assert.ok(completed, 'the request is logged with its id');
  assert.ok(server.logs.every((l) => typeof l.level === 'number' && typeof l.time === 'number'));
  assert.ok(server.logs.some((l) => l.event === 'admin_reload'));
  assert.equal(await server.stop('SIGTERM'), 0);
});
