import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnServe } from './test-support/cli-server.js';
import { makeStore, modelBytes, registerBytes } from './test-support/fixtures.js';
import { TestWs } from './test-support/ws-client.js';

const MOVES = 20;

interface Sample {
  sentAt: number;
  recvAt: number;
  version: number;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

test(`hot swap: ${MOVES} alias moves under concurrent load, zero failures, no stale answers`, async (t) => {
  const store = await makeStore(t, 'sentiment', 1);
  const versions = [store.versions[0] as number];
  for (let i = 1; i <= MOVES; i++)
    versions.push(await registerBytes(store.reg, 'sentiment', await modelBytes(i)));
  assert.equal(new Set(versions).size, MOVES + 1);

  const server = await spawnServe(['--store', store.dir, '--model', 'sentiment@production']);
  t.after(() => server.stop('SIGKILL'));

  const samples: Sample[] = [];
  const failures: string[] = [];
  let running = true;
  const text = 'The screen is great but the battery died after two days, disappointing.';

  const restLoop = async () => {
    while (running) {
      const sentAt = performance.now();
      try {
        const res = await fetch(`${server.url}/v1/models/sentiment/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text }),
        });
        const body = (await res.json()) as { version?: number };
        if (res.status !== 200 || typeof body.version !== 'number') {
          failures.push(`HTTP ${res.status} ${JSON.stringify(body)}`);
        } else samples.push({ sentAt, recvAt: performance.now(), version: body.version });
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
        const sentAt = performance.now();
        const a = await c.ask({ id, model: 'sentiment', text });
        if (a.error !== undefined || typeof a.version !== 'number') {
          failures.push(`WS ${JSON.stringify(a)}`);
        } else samples.push({ sentAt, recvAt: performance.now(), version: a.version });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, one));
    c.close();
  };
  const load = Promise.all([...Array.from({ length: 6 }, restLoop), wsLoop(10), wsLoop(10)]);

  const moves: Array<{ version: number; at: number; done: number; seen: number }> = [
    { version: versions[0] as number, at: 0, done: 0, seen: 0 },
  ];
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 1; i <= MOVES; i++) {
    const v = versions[i] as number;
    const at = performance.now();
    await store.reg.setAlias('sentiment', 'production', v, { reason: `hot swap test move ${i}` });
    const done = performance.now();
    // Wait for the first answer from the new version.
    const deadline = done + 3000;
    let seen = Number.NaN;
    while (performance.now() < deadline) {
      const s = samples.find((x) => x.version === v);
      if (s !== undefined) {
        seen = s.recvAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(!Number.isNaN(seen), `version ${v} never answered after its alias move`);
    moves.push({ version: v, at, done, seen });
    await new Promise((r) => setTimeout(r, 150));
  }
  await new Promise((r) => setTimeout(r, 300));
  running = false;
  await load;

  assert.deepEqual(failures, [], `${failures.length} failed requests`);
  assert.ok(samples.length > 1000, `only ${samples.length} answers under load`);
  const index = new Map(moves.map((m, i) => [m.version, i]));
  let stale = 0;
  let early = 0;
  for (const s of samples) {
    const i = index.get(s.version);
    assert.ok(i !== undefined, `answer from version ${s.version}, never an alias target`);
    const m = moves[i] as (typeof moves)[number];
    // Not before its promotion began...
    if (i > 0 && s.recvAt < m.at) early++;
    // ...and never for a request sent after the next version was already answering.
    const next = moves[i + 1];
    if (next !== undefined && s.sentAt > next.seen) stale++;
  }
  assert.equal(early, 0, 'answers from a version before its alias moved to it');
  assert.equal(stale, 0, 'answers from an old version after the switch');
  const detect = moves.slice(1).map((m) => m.seen - m.done);
  assert.ok(
    Math.max(...detect) < 1000,
    `an alias move took ${Math.max(...detect)} ms to be served`,
  );
  const lat = samples.map((s) => s.recvAt - s.sentAt);
  t.diagnostic(
    `${samples.length} answers, 0 failures; move→served p50 ${percentile(detect, 50).toFixed(0)} ms, max ${Math.max(...detect).toFixed(0)} ms; ` +
      `latency p50 ${percentile(lat, 50).toFixed(2)} ms p99 ${percentile(lat, 99).toFixed(2)} ms max ${Math.max(...lat).toFixed(2)} ms`,
  );
  const swaps = server.logs.filter((l) => l.event === 'model_swapped');
  assert.equal(swaps.length, MOVES);
});
