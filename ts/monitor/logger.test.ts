// The logger's contract: 100k predictions under load with none dropped while
// the queue keeps up; an exact dropped count when it cannot (small queue,
// flush held); close() flushes everything; log() never throws. Tests that
// store rows run on SQLite and on PostgreSQL (monitorBackends()).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { PredictionLogger } from './logger.js';
import { openMonitorStore } from './open.js';
import { monitorBackends } from './test-support/backends.js';
import type { MonitorBackend, PredictionEvent, PredictionRow, TokenBucket } from './types.js';

function event(i: number, over: Partial<PredictionEvent> = {}): PredictionEvent {
  return {
    id: `p${i}`,
    model: 'm',
    version: 1,
    label: i % 3 === 0 ? 'neg' : 'pos',
    classes: ['neg', 'pos'],
    probabilities: i % 3 === 0 ? [0.8, 0.2] : [0.3, 0.7],
    latencyMs: 0.5,
    text: `text number ${i}`,
    ...over,
  };
}

/** A backend whose writes wait until released, recording what it got. */
function heldBackend() {
  let release!: () => void;
  let gate = new Promise<void>((r) => {
    release = r;
  });
  const written: PredictionRow[] = [];
  const backend = {
    kind: 'held',
    location: 'memory',
    async writeBatch(rows: readonly PredictionRow[], _b: readonly TokenBucket[]) {
      await gate;
      written.push(...rows);
      return rows.length;
    },
    async close() {},
  } as unknown as MonitorBackend;
  return {
    backend,
    written,
    open() {
      release();
      gate = Promise.resolve();
    },
  };
}

test('a saturated queue drops and counts exactly', async () => {
  const h = heldBackend();
  const logger = new PredictionLogger(h.backend, {
    capacity: 100,
    batchSize: 10,
    flushIntervalMs: 5,
  });
  for (let i = 0; i < 1000; i++) logger.log(event(i));
  assert.deepEqual(
    [logger.counters().logged, logger.counters().dropped, logger.counters().queueDepth],
    [100, 900, 100],
  );
  // A flush takes one batch and blocks on the backend; the queue has room for 10 more.
  const flushing = logger.flush();
  await tick();
  assert.equal(logger.counters().queueDepth, 90);
  for (let i = 1000; i < 1050; i++) logger.log(event(i));
  assert.equal(logger.counters().dropped, 940);
  assert.equal(logger.counters().logged, 110);
  h.open();
  await flushing;
  await logger.close();
  const c = logger.counters();
  assert.equal(c.flushed, 110);
  assert.equal(h.written.length, 110);
  assert.equal(c.dropped, 940);
  assert.deepEqual(
    h.written.slice(0, 3).map((r) => r.id),
    ['p0', 'p1', 'p2'],
    'first in, first written',
  );
  // After close, log() still never throws: it counts a drop.
  logger.log(event(5000));
  assert.equal(logger.counters().dropped, 941);
});

test('log() never throws, whatever it is given; failed batches are counted', async () => {
  const failing = {
    kind: 'broken',
    location: 'nowhere',
    async writeBatch(): Promise<number> {
      throw new Error('disk on fire');
    },
    async close() {},
  } as unknown as MonitorBackend;
  const errors: unknown[] = [];
  const logger = new PredictionLogger(failing, { onError: (e) => errors.push(e) });
  logger.log(null as unknown as PredictionEvent);
  logger.log({ ...event(1), probabilities: null as unknown as number[] });
  logger.log(event(2));
  await logger.close();
  const c = logger.counters();
  assert.equal(c.invalid, 2);
  assert.equal(c.failed, 1);
  assert.equal(errors.length, 1);
});

for (const backend of monitorBackends()) {
  describe(backend.name, () => {
    test('100k predictions under load: none dropped, all stored', async (t) => {
      const dir = await backend.location(t);
      const store = await openMonitorStore(dir);
      const logger = new PredictionLogger(store, {
        // SQLite's writes are synchronous and so pace this loop; PostgreSQL's are not, and a
        // burst at ~1 M log() calls/s (far beyond any server's request rate) must fit the queue.
        capacity: backend.name === 'postgres' ? 100_000 : 20_000,
        batchSize: 1000,
      });
      const t0 = performance.now();
      let logNs = 0;
      for (let i = 0; i < 100_000; i++) {
        const s = process.hrtime.bigint();
        logger.log(event(i));
        logNs += Number(process.hrtime.bigint() - s);
        if (i % 500 === 499) await tick(); // a server yields between requests
      }
      await logger.close({ closeBackend: false });
      const c = logger.counters();
      const ms = performance.now() - t0;
      console.log(
        `${backend.name}: 100k logged in ${ms.toFixed(0)} ms (${((100_000 / ms) * 1000).toFixed(0)}/s), log() mean ${(logNs / 100_000 / 1000).toFixed(2)} µs, ${c.batches} batches`,
      );
      assert.equal(c.dropped, 0);
      assert.equal(c.failed, 0);
      assert.equal(c.logged, 100_000);
      assert.equal(c.flushed, 100_000);
      assert.equal(c.queueDepth, 0);
      assert.equal((await store.stats()).predictions, 100_000);
      const [first] = await store.predictions({ model: 'm', limit: 1 });
      assert.equal(first?.id, 'p99999');
      assert.equal(first?.textSha256?.length, 64, 'hash-only by default');
      assert.equal(first?.text, null);
      await store.close();
    });

    test('text modes: text, hash or nothing per model; sample rate', async (t) => {
      const store = await openMonitorStore(await backend.location(t));
      const logger = new PredictionLogger(store, {
        textMode: 'none',
        textModes: { keep: 'text', hashed: 'hash' },
      });
      logger.log(event(1, { model: 'keep' }));
      logger.log(event(2, { model: 'hashed' }));
      logger.log(event(3, { model: 'other' }));
      await logger.close({ closeBackend: false });
      const rows = await store.predictions({});
      const by = Object.fromEntries(rows.map((r) => [r.model, r]));
      assert.equal(by.keep?.text, 'text number 1');
      assert.equal(by.hashed?.text, null);
      assert.match(by.hashed?.textSha256 ?? '', /^[0-9a-f]{64}$/);
      assert.equal(by.other?.text, null);
      assert.equal(by.other?.textSha256, null);
      assert.equal(by.other?.textLength, 'text number 3'.length);
      assert.deepEqual(by.keep?.probabilities, { neg: 0.3, pos: 0.7 });
      assert.equal(by.keep?.confidence, 0.7);
      await store.close();

      const h = heldBackend();
      h.open();
      let k = 0;
      const sampled = new PredictionLogger(h.backend, {
        sampleRate: 0.25,
        random: () => (k++ % 4) / 4,
      });
      for (let i = 0; i < 100; i++) sampled.log(event(i));
      await sampled.close();
      assert.equal(sampled.counters().logged, 25);
      assert.equal(sampled.counters().sampledOut, 75);
    });
  });
}
