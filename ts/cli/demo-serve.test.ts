// `sentio demo` as a user runs it: trains, deploys to production, serves
// until Ctrl-C — and the printed address and curl really answer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CLI, cliEnv } from '../train/test-support/cli.js';

test('sentio demo serves the demo model on the printed address until Ctrl-C', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sentio-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [CLI, 'demo', '--store', dir, '--port', '0'], {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const deadline = Date.now() + 60_000;
  let url: string | null = null;
  while (url === null) {
    const m = /Serving .* on (http:\/\/\S+)/.exec(out);
    if (m !== null) url = m[1] as string;
    else if (Date.now() > deadline || child.exitCode !== null) {
      assert.fail(`demo did not start serving:\n${out}\n${err}`);
    } else await new Promise((r) => setTimeout(r, 100));
  }
  // Wait for the curl line too, then run its request.
  while (!/try: curl/.test(out)) await new Promise((r) => setTimeout(r, 50));
  assert.match(out, /try: curl .*\/v1\/models\/demo\/predict/);
  // The playground's address, and the web app there (built by the bootstrap's web step).
  assert.match(out, new RegExp(`Playground .*dashboard: .*${url.replace(/[.]/g, '\\.')}/`));
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);

  const res = await fetch(`${url}/v1/models/demo/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'I love it, works great and arrived quickly' }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { label: string; version: number; model: string };
  assert.equal(body.model, 'demo');
  assert.equal(body.version, 1);
  assert.equal(typeof body.label, 'string');
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);

  child.kill('SIGINT');
  assert.equal(await exited, 0, `demo exits cleanly on Ctrl-C:\n${err}`);
});
