// Three `sentio serve` processes, each in its own network namespace with
// its own addresses (test-support/netns.ts), follow one PostgreSQL store:
// one `sentio promote` moves all three within 1 s under load on each, with
// zero failed requests. Cutting one server's database link (its veth down)
// leaves it serving the version it has while the others follow a further
// move; restoring the link makes it catch up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openRegistry } from '../registry/index.js';
import { runCli } from '../registry/test-support/fixtures.js';
import { startPostgres } from '../registry/test-support/postgres.js';
import type { ServeProcess } from './test-support/cli-server.js';
import { modelBytes, registerBytes } from './test-support/fixtures.js';
import { canMakeNamespaces, makeHost, type NetHost, serveIn } from './test-support/netns.js';

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

test('PostgreSQL only, namespaces: three servers on three hosts follow one promote within 1 s; a cut-off server keeps serving and catches up', async (t) => {
  assert.ok(canMakeNamespaces(), 'needs root and iproute2 (ip netns, veth)');
  const cluster = await startPostgres({ listenAll: true });
  t.after(() => cluster.stop());
  const url = await cluster.createDatabase();
  const reg = await openRegistry(url);
  t.after(() => reg.close());
  const v1 = await registerBytes(reg, 'sentiment', await modelBytes(0));
  const v2 = await registerBytes(reg, 'sentiment', await modelBytes(1));
  const v3 = await registerBytes(reg, 'sentiment', await modelBytes(2));
  await reg.moveEnvironment('sentiment', 'production', v1, { reason: 'test' });
  await reg.moveEnvironment('sentiment', 'staging', v2, { reason: 'test' });

  const hosts: NetHost[] = [0, 1, 2].map((i) => makeHost(i));
  t.after(() => {
    for (const h of hosts) h.destroy();
  });
  const servers: ServeProcess[] = await Promise.all(
    hosts.map((h) => {
      const u = new URL(url);
      u.hostname = h.dbAddress; // the database as this host reaches it: over its own link
      return serveIn(h, ['--store', u.toString(), '--model', 'sentiment@production']);
    }),
  );
  t.after(() => Promise.all(servers.map((s) => s.stop('SIGKILL'))));
  const readyz = async (s: ServeProcess) =>
    (await (await fetch(`${s.url}/readyz`)).json()) as {
      registry: { connected: boolean; reconnects: number };
    };
  for (const s of servers) {
    await until(`${s.url} connected`, 10_000, async () =>
      (await readyz(s)).registry.connected ? true : null,
    );
  }

  const answers: Answer[][] = servers.map(() => []);
  const failures: string[] = [];
  let running = true;
  const loop = async (k: number) => {
    const s = servers[k] as ServeProcess;
    let i = 0;
    while (running) {
      const sentAt = Date.now();
      try {
        const res = await fetch(`${s.url}/v1/models/sentiment/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sentio-key': `k-${i++}` },
          body: JSON.stringify({ text: 'Lovely screen, awful battery.' }),
        });
        const body = (await res.json()) as { version?: number };
        if (res.status !== 200 || typeof body.version !== 'number') {
          failures.push(`server ${k}: HTTP ${res.status} ${JSON.stringify(body)}`);
        } else answers[k]?.push({ sentAt, recvAt: Date.now(), version: body.version });
      } catch (e) {
        failures.push(`server ${k}: ${(e as Error).message}`);
      }
    }
  };
  const load = Promise.all(servers.flatMap((_, k) => [loop(k), loop(k)]));
  const firstAnswer = (k: number, v: number, after: number, ms: number) =>
    until(`server ${k} answering with version ${v}`, ms, async () => {
      return answers[k]?.find((x) => x.version === v && x.sentAt >= after) ?? null;
    });

  // 1. One promote (another process, on the test's host): all three follow within 1 s.
  await pause(500);
  const promote = await runCli(['promote', 'sentiment', '--store', url, '--json']);
  assert.equal(promote.code, 0, promote.stderr);
  const committed = Date.parse(
    (await reg.aliasHistory('sentiment', 'production')).at(-1)?.at ?? '',
  );
  const follow = await Promise.all(
    servers.map(async (_, k) => (await firstAnswer(k, v2, committed, 5000)).recvAt - committed),
  );
  t.diagnostic(`promote followed after ${follow.join(', ')} ms`);
  for (const ms of follow) assert.ok(ms < 1000, `followed in ${ms} ms`);

  // 2. Host 0 loses its database link: it keeps serving v2; the others follow a move to v3.
  const h0 = hosts[0] as NetHost;
  h0.cut();
  const cutAt = Date.now();
  await until('server 0 to notice', 8000, async () =>
    (await readyz(servers[0] as ServeProcess)).registry.connected ? null : true,
  );
  t.diagnostic(`server 0 noticed the cut after ${Date.now() - cutAt} ms`);
  const moveAt = Date.now();
  await reg.moveEnvironment('sentiment', 'production', v3, { reason: 'while host 0 is cut off' });
  await firstAnswer(1, v3, moveAt, 1000);
  await firstAnswer(2, v3, moveAt, 1000);
  await pause(1000);
  assert.ok(
    (answers[0] ?? []).filter((a) => a.sentAt >= moveAt).every((a) => a.version === v2),
    'the cut-off server serves what it has',
  );
  assert.ok((answers[0] ?? []).filter((a) => a.sentAt >= moveAt).length > 50, 'and it serves');

  // 3. The link is back: server 0 reconnects and catches up.
  h0.restore();
  const restoredAt = Date.now();
  const caught = await firstAnswer(0, v3, restoredAt, 30_000);
  t.diagnostic(`server 0 caught up ${caught.recvAt - restoredAt} ms after the link came back`);
  await until('server 0 reconnected', 15_000, async () => {
    const r = await readyz(servers[0] as ServeProcess);
    return r.registry.connected && r.registry.reconnects >= 1 ? true : null;
  });

  running = false;
  await load;
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
  t.diagnostic(`${answers.map((a) => a.length).join(' + ')} answers, 0 failures`);
});
