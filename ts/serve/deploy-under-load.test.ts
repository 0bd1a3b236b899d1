import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnServe } from './test-support/cli-server.js';
import { makeStore, modelBytes, registerBytes } from './test-support/fixtures.js';
import { adminCall } from './test-support/rollouts.js';
import { TestWs } from './test-support/ws-client.js';

const TOKEN = 'admin-token-for-load-tests-456789';
const M = '/v1/admin/models/sentiment';

interface Answer {
  sentAt: number;
  recvAt: number;
  version: number;
  arm: unknown;
}

test('promotion, rollback and canary promotion through the admin API under REST + WebSocket load: zero failures, every answer from a version live then', async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const [v1] = store.versions as [number];
  const v2 = await registerBytes(store.reg, 'sentiment', await modelBytes(1));
  const v3 = await registerBytes(store.reg, 'sentiment', await modelBytes(2));
  await store.reg.setAlias('sentiment', 'staging', v2, { reason: 'test' });

  const server = await spawnServe(['--store', store.dir, '--model', 'sentiment@production'], {
    SENTIO_ADMIN_TOKEN: TOKEN,
  });
  t.after(() => server.stop('SIGKILL'));

  const answers: Answer[] = [];
  const failures: string[] = [];
  let running = true;
  const text = 'The screen is great but the battery died after two days, disappointing.';
  const restLoop = async (n: number) => {
    let i = 0;
    while (running) {
      const sentAt = Date.now();
      try {
        const res = await fetch(`${server.url}/v1/models/sentiment/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sentio-key': `rest-${n}-${i++}` },
          body: JSON.stringify({ text }),
        });
        const body = (await res.json()) as { version?: number; arm?: string };
        if (res.status !== 200 || typeof body.version !== 'number') {
          failures.push(`HTTP ${res.status} ${JSON.stringify(body)}`);
        } else answers.push({ sentAt, recvAt: Date.now(), version: body.version, arm: body.arm });
      } catch (e) {
        failures.push(`fetch: ${(e as Error).message}`);
      }
    }
  };
  const wsLoop = async (inFlight: number) => {
    const c = await TestWs.open(server.url);
    let n = 0;
    const one = async () => {
      while (running) {
        const id = n++;
        const sentAt = Date.now();
        const a = await c.ask({ id, model: 'sentiment', text, key: `ws-${id}` });
        if (a.error !== undefined || typeof a.version !== 'number') {
          failures.push(`WS ${JSON.stringify(a)}`);
        } else answers.push({ sentAt, recvAt: Date.now(), version: a.version, arm: a.arm });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, one));
    c.close();
  };
  const load = Promise.all([
    ...Array.from({ length: 4 }, (_, i) => restLoop(i)),
    wsLoop(8),
    wsLoop(8),
  ]);

  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const seen = async (v: number, after: number) => {
    const deadline = Date.now() + 5000;
    while (!answers.some((a) => a.version === v && a.sentAt >= after)) {
      assert.ok(Date.now() < deadline, `version ${v} never answered`);
      await pause(10);
    }
  };
  const admin = async (path: string, body: unknown) => {
    const r = await adminCall(server.url, 'POST', path, TOKEN, body);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };

  await pause(300);
  let at = Date.now();
  await admin(`${M}/promote`, { reason: 'load test promote' });
  await seen(v2, at);
  await pause(300);
  at = Date.now();
  await admin(`${M}/rollback`, { env: 'production', reason: 'load test rollback' });
  await seen(v1, at);
  await pause(300);
  // A canary of v3 at 30%, then promoted: the candidate becomes stable without a reload.
  await admin(`${M}/canary`, { version: v3, percent: 30, thresholds: { maxDisagreement: null } });
  at = Date.now();
  await seen(v3, at);
  await pause(300);
  await admin(`${M}/canary/promote`, { reason: 'load test canary promote' });
  await pause(500);
  running = false;
  await load;

  assert.deepEqual(failures, [], `${failures.length} failed requests`);
  assert.ok(answers.length > 1000, `only ${answers.length} answers under load`);

  // The alias's history: which version production pointed at, and from when (registry clock = ours).
  const moves = await store.reg.aliasHistory('sentiment', 'production');
  const segments = moves.map((m, i) => ({
    version: m.toVersion as number,
    start: Date.parse(m.at),
    end: i + 1 < moves.length ? Date.parse((moves[i + 1] as { at: string }).at) : null,
  }));
  const rollout = (await store.reg.listRollouts('sentiment', { kind: 'canary' }))[0];
  assert.equal(rollout?.state, 'promoted');
  const canaryFrom = Date.parse(rollout.startedAt);
  const canaryTo = Date.parse(rollout.endedAt as string);
  /** First stable answer from the version that followed `end`, received after it: when the server switched. */
  const switched = (end: number, next: number) =>
    Math.min(
      ...answers
        .filter((a) => a.version === next && a.arm === 'stable' && a.recvAt >= end)
        .map((a) => a.recvAt),
    );
  let bad = 0;
  for (const a of answers) {
    const live = segments.some((s, i) => {
      if (s.version !== a.version || a.recvAt < s.start) return false;
      if (s.end === null) return true;
      // Still live until the server answered with the next version (no request waits for a load).
      const next = segments[i + 1]?.version as number;
      return a.sentAt <= switched(s.end, next);
    });
    // The canary's candidate is live on its share from the rollout's start to its end (promotion).
    const canaryLive =
      a.version === v3 && a.arm === 'canary' && a.recvAt >= canaryFrom && a.sentAt <= canaryTo;
    if (!live && !canaryLive) bad++;
  }
  assert.equal(bad, 0, `${bad} answers from a version that was not live`);
  const byVersion = new Map<number, number>();
  for (const a of answers) byVersion.set(a.version, (byVersion.get(a.version) ?? 0) + 1);
  t.diagnostic(
    `${answers.length} answers, 0 failures; per version ${JSON.stringify([...byVersion])}; moves ${moves.map((m) => `${m.fromVersion}→${m.toVersion}`).join(', ')}`,
  );
  assert.deepEqual(
    moves
      .slice(-3)
      .map((m) => [m.fromVersion, m.toVersion, (m.details as { action?: string })?.action]),
    [
      [v1, v2, 'promote'],
      [v2, v1, 'rollback'],
      [v1, v3, 'canary_promote'],
    ],
  );
});
