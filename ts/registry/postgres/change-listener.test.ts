// Registry changes pushed with LISTEN/NOTIFY: a committed write reaches a
// watcher at once (a rolled-back one never does); a terminated connection
// and a stopped-then-restarted PostgreSQL are reported as disconnected and
// then connected again (with backoff), which is the watcher's cue to re-read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openRegistry } from '../open.js';
import { registerFake } from '../test-support/fixtures.js';
import { startPostgres } from '../test-support/postgres.js';
import type { RegistryChangeEvent } from '../types.js';

function recorder() {
  const events: RegistryChangeEvent[] = [];
  const waiters: Array<{ type: string; resolve: () => void }> = [];
  return {
    events,
    push(e: RegistryChangeEvent) {
      events.push(e);
      for (const w of waiters.splice(0)) {
        if (w.type === e.type) w.resolve();
        else waiters.push(w);
      }
    },
    /** The next event of `type` (after those already seen), within `ms`. */
    next(type: RegistryChangeEvent['type'], ms: number): Promise<number> {
      const t0 = performance.now();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} event within ${ms} ms`)), ms);
        waiters.push({
          type,
          resolve: () => {
            clearTimeout(timer);
            resolve(performance.now() - t0);
          },
        });
      });
    },
  };
}

test('PostgreSQL only: writes are pushed to watchers; outages and reconnections are reported', async (t) => {
  const cluster = await startPostgres();
  t.after(() => cluster.stop());
  const url = await cluster.createDatabase();
  const reg = await openRegistry(url);
  t.after(() => reg.close());
  await registerFake(reg, 'm', 'one');
  await registerFake(reg, 'm', 'two');
  assert.ok(reg.watchChanges, 'a PostgreSQL registry pushes changes');
  const rec = recorder();
  const connected = rec.next('connected', 5000);
  const sub = reg.watchChanges((e) => rec.push(e));
  t.after(() => sub.close());
  await connected;
  assert.deepEqual(rec.events, [{ type: 'connected', reconnect: false }]);

  const change = rec.next('change', 1000);
  await reg.setAlias('m', 'production', 2);
  const ms = await change;
  assert.ok(ms < 1000, `pushed in ${ms} ms`);

  // The server ends the listening connection: reported, and re-established.
  const down = rec.next('disconnected', 5000);
  const up = rec.next('connected', 10_000);
  await cluster.psql(
    new URL(url).pathname.slice(1),
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sentio-listen'",
  );
  await down;
  await up;
  assert.deepEqual(rec.events.at(-1), { type: 'connected', reconnect: true });

  // PostgreSQL stopped for a while and started again.
  const down2 = rec.next('disconnected', 5000);
  await cluster.halt();
  await down2;
  await new Promise((r) => setTimeout(r, 1500)); // a few failed reconnection attempts
  const disconnects = rec.events.filter((e) => e.type === 'disconnected').length;
  const up2 = rec.next('connected', 15_000);
  await cluster.resume();
  await up2;
  assert.equal(
    rec.events.filter((e) => e.type === 'disconnected').length,
    disconnects,
    'an outage is reported once, not per attempt',
  );
  const change2 = rec.next('change', 1000);
  await reg.setAlias('m', 'production', 1);
  await change2;
});
