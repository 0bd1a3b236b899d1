// `sentio serve` on a PostgreSQL store: a `sentio promote` from another
// process is followed within 1 s under load with zero failed requests
// (pushed by LISTEN/NOTIFY); stopping PostgreSQL leaves the server serving
// with /readyz and /metrics saying the registry is disconnected; starting it
// again, the server reconnects and catches up on a move made meanwhile.
// Predictions are logged to the store's PostgreSQL monitoring schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openMonitorStore } from '../monitor/index.js';
import { openRegistry } from '../registry/index.js';
import { runCli } from '../registry/test-support/fixtures.js';
import { startPostgres } from '../registry/test-support/postgres.js';
import { spawnServe } from './test-support/cli-server.js';
import { modelBytes, registerBytes } from './test-support/fixtures.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  sentAt: number;
  recvAt: number;
  version: number;
}

async function until<T>(what: string, ms: number, fn: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    assert.ok(Date.now() < deadline, `${what} within ${ms} ms`);
    await pause(20);
  }
}

test('PostgreSQL only: serve follows promote within 1 s under load, survives a database outage and catches up', async (t) => {
  const cluster = await startPostgres();
  t.after(() => cluster.stop());
  const url = await cluster.createDatabase();
  const reg = await openRegistry(url);
  t.after(() => reg.close());
  const v1 = await registerBytes(reg, 'sentiment', await modelBytes(0));
  const v2 = await registerBytes(reg, 'sentiment', await modelBytes(1));
  const v3 = await registerBytes(reg, 'sentiment', await modelBytes(2));
  await reg.moveEnvironment('sentiment', 'production', v1, { reason: 'test' });
  await reg.moveEnvironment('sentiment', 'staging', v2, { reason: 'test' });

  const server = await spawnServe(['--store', url, '--model', 'sentiment@production']);
  t.after(() => server.stop('SIGKILL'));
  const readyz = async () =>
    (await (await fetch(`${server.url}/readyz`)).json()) as {
      ready: boolean;
      registry: { mode: string; connected: boolean; reconnects: number };
    };
  const metric = async (name: string) => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  await until('the push connection', 5000, async () =>
    (await readyz()).registry.connected ? true : null,
  );
  assert.equal((await readyz()).registry.mode, 'push');

  const answers: Answer[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = async (n: number) => {
    let i = 0;
    while (running) {
      const sentAt = Date.now();
      try {
        const res = await fetch(`${server.url}/v1/models/sentiment/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sentio-key': `k-${n}-${i++}` },
          body: JSON.stringify({ text: 'Great battery, the screen broke after a week though.' }),
        });
        const body = (await res.json()) as { version?: number };
        if (res.status !== 200 || typeof body.version !== 'number') {
          failures.push(`HTTP ${res.status} ${JSON.stringify(body)}`);
        } else answers.push({ sentAt, recvAt: Date.now(), version: body.version });
      } catch (e) {
        failures.push(`fetch: ${(e as Error).message}`);
      }
    }
  };
  const load = Promise.all(Array.from({ length: 6 }, (_, i) => loop(i)));
  const firstAnswer = (v: number, after: number) =>
    until(`an answer from version ${v}`, 10_000, async () => {
      const a = answers.find((x) => x.version === v && x.sentAt >= after);
      return a ?? null;
    });

  // 1. sentio promote in another process: followed within 1 s of its commit.
  await pause(300);
  const promote = await runCli(['promote', 'sentiment', '--store', url, '--json']);
  assert.equal(promote.code, 0, promote.stderr);
  const committed = Date.parse(
    (await reg.aliasHistory('sentiment', 'production')).at(-1)?.at ?? '',
  );
  const switched = await firstAnswer(v2, committed);
  const followMs = switched.recvAt - committed;
  t.diagnostic(`promote followed in ${followMs} ms after its commit`);
  assert.ok(followMs < 1000, `followed in ${followMs} ms`);

  // 2. PostgreSQL stops: the server keeps serving v2 and says it is disconnected.
  await pause(300);
  const before = answers.length;
  await cluster.halt();
  const downAt = Date.now();
  await until('readyz to show the registry disconnected', 5000, async () =>
    (await readyz()).registry.connected ? null : true,
  );
  assert.equal((await readyz()).ready, true, 'still ready: it serves what it has');
  assert.equal(await metric('sentio_registry_connected'), 0);
  await pause(1500);
  assert.ok(
    answers.filter((a) => a.sentAt >= downAt).length > 50,
    `serving during the outage (${answers.length - before} answers)`,
  );
  assert.ok(answers.filter((a) => a.sentAt >= downAt).every((a) => a.version === v2));

  // 3. PostgreSQL is back; the alias moves at once (before the server's listener is back,
  // whose backoff has grown): the server reconnects and catches up.
  await cluster.resume();
  const moveAt = Date.now();
  await reg.moveEnvironment('sentiment', 'production', v3, {
    reason: 'moved while the server was away',
  });
  const caught = await firstAnswer(v3, moveAt);
  t.diagnostic(`caught up ${caught.recvAt - moveAt} ms after the database came back`);
  const state = await until('readyz to show the registry connected', 10_000, async () => {
    const r = await readyz();
    return r.registry.connected ? r : null;
  });
  assert.ok(state.registry.reconnects >= 1);
  assert.equal(await metric('sentio_registry_connected'), 1);
  assert.ok(((await metric('sentio_registry_reconnects_total')) ?? 0) >= 1);

  running = false;
  await load;
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
  t.diagnostic(`${answers.length} answers, 0 failures`);

  // Predictions went to the PostgreSQL monitoring store (through the outage: retried or counted as dropped).
  await server.stop('SIGTERM');
  const logs = await openMonitorStore(url, { readonly: true });
  t.after(() => logs.close());
  const stats = await logs.stats();
  assert.ok(stats.predictions > 100, `${stats.predictions} predictions logged`);
  t.diagnostic(`${stats.predictions} predictions logged to PostgreSQL`);
});
