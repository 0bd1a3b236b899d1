// The logger's column path (logBlock: what the server's logging thread
// uses) stores what log() stores: texts from UTF-8 bytes hashed, kept or
// dropped per model, lengths in UTF-16 units, labels by index, exact drops
// when a block does not fit, sampling; and a backend's writeColumns stores
// the same rows as writeBatch (SQLite's per-stream statements and their
// fallbacks, PostgreSQL's per-stream INSERT). Also on both backends: the
// labelled join gives the same rows whichever side it starts from, and
// per-model version counts match a count of the rows.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { columnsToRows } from './columns.js';
import { RawDigests } from './digests.js';
import { PredictionLogger } from './logger.js';
import { openMonitorStore } from './open.js';
import { monitorBackends } from './test-support/backends.js';
import { columnBlock, memoryBackend, predictionBlock } from './test-support/blocks.js';
import type { PredictionBlock, PredictionColumns, PredictionRow } from './types.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const TEXTS = ['a plain review', 'ünïcödé, emoji 😀 and 漢字', '', 'x'.repeat(3000)];

const block = (over: Partial<PredictionBlock> = {}, first = 0) =>
  predictionBlock(TEXTS, over, first);

test('logBlock: an injected sha256Each hashes each segment in one call; raw digests reach the backend', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentio-digests-'));
  const backend = await openMonitorStore(dir, { writer: 'w' });
  const calls: number[] = [];
  const done: PredictionBlock[] = [];
  let seen: PredictionColumns['textSha256'] | undefined;
  const write = backend.writeColumns?.bind(backend);
  backend.writeColumns = async (blocks, buckets) => {
    seen = blocks[0]?.textSha256;
    return (write as NonNullable<typeof write>)(blocks, buckets);
  };
  const logger = new PredictionLogger(backend, {
    batchSize: 3, // the 4-row block is written in two batches: two segments, two calls
    sha256Each: (bytes, start, ends) => {
      calls.push(ends.length);
      const out = new Uint8Array(32 * ends.length);
      let from = start;
      ends.forEach((to, i) => {
        out.set(createHash('sha256').update(bytes.subarray(from, to)).digest(), 32 * i);
        from = to;
      });
      return out;
    },
    onTextsDone: (b) => done.push(b),
  });
  const b = block();
  logger.logBlock(b);
  await logger.close({ closeBackend: false });
  assert.deepEqual(calls, [3, 1]);
  assert.ok(seen instanceof RawDigests, 'the backend got raw digests');
  assert.deepEqual(done, [b], 'the block is handed back once, after its last segment');
  const rows = await backend.predictions({ model: 'm' });
  assert.deepEqual(
    rows.map((r) => r.textSha256),
    TEXTS.map(sha),
  );
  await backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('logBlock: texts from UTF-8 bytes hashed by default, lengths in UTF-16 units, labels by index', async () => {
  const { backend, rows } = memoryBackend();
  const logger = new PredictionLogger(backend, { textModes: { kept: 'text', bare: 'none' } });
  logger.logBlock(block());
  logger.logBlock(block({ model: 'kept' }));
  logger.logBlock(block({ model: 'bare', labelNames: ['neg', 'pos', 'odd'] }));
  logger.logBlock({ ...block({ model: 'strings' }), textBytes: undefined, texts: TEXTS });
  await logger.close();
  assert.equal(rows.length, 4 * TEXTS.length);
  const by = (model: string) => rows.filter((r) => r.model === model);
  assert.deepEqual(
    by('m').map((r) => r.textSha256),
    TEXTS.map(sha),
  );
  assert.deepEqual(
    by('strings').map((r) => r.textSha256),
    TEXTS.map(sha),
  );
  assert.deepEqual(
    by('kept').map((r) => r.text),
    TEXTS,
  );
  assert.ok(by('kept').every((r) => r.textSha256 === null));
  assert.ok(by('bare').every((r) => r.text === null && r.textSha256 === null));
  const [r0, r1] = by('m') as [PredictionRow, PredictionRow];
  assert.deepEqual(
    by('m').map((r) => r.textLength),
    TEXTS.map((t) => t.length),
  );
  assert.deepEqual(
    [r0.id, r0.at, r0.env, r0.arm, r0.label, r0.latencyMs],
    ['b0', 1_700_000_000_000, 'production', 'stable', 'neg', 0.5],
  );
  assert.deepEqual(r0.probabilities, { neg: 0.75, pos: 0.25 });
  assert.equal(r0.confidence, 0.75);
  assert.deepEqual(
    [r1.label, r1.probabilities, r1.confidence],
    ['pos', { neg: 0.74, pos: 0.26 }, 0.74],
  );
  assert.equal(logger.counters().logged, 16);
});

test('logBlock: what does not fit is dropped and counted exactly; sampling and close count too', async () => {
  const { backend, rows } = memoryBackend();
  const logger = new PredictionLogger(backend, { capacity: 6, flushIntervalMs: 60_000 });
  logger.logBlock(block());
  logger.logBlock(block({}, 4));
  assert.deepEqual(
    [logger.counters().logged, logger.counters().dropped, logger.counters().queueDepth],
    [6, 2, 6],
  );
  await logger.flush();
  assert.deepEqual(
    rows.map((r) => r.id),
    ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'],
    'the first rows of the second block, in order',
  );
  await logger.close();
  logger.logBlock(block());
  assert.equal(logger.counters().dropped, 6, 'after close, a block is dropped whole');

  let k = 0;
  const s = memoryBackend();
  const sampled = new PredictionLogger(s.backend, {
    sampleRate: 0.5,
    random: () => (k++ % 2 === 0 ? 0 : 0.9),
  });
  sampled.logBlock(block());
  sampled.logBlock(block({}, 4));
  await sampled.close();
  assert.deepEqual(
    s.rows.map((r) => r.id),
    ['b0', 'b2', 'b4', 'b6'],
  );
  assert.deepEqual([sampled.counters().logged, sampled.counters().sampledOut], [4, 4]);
});

/** Blocks that take each of SQLite's paths: per-stream statements, text kept, tokens, fallbacks. */
function variety(): PredictionColumns[] {
  const many = [...Array(20).keys()].map((i) => `c${i}`);
  return [
    columnBlock({}, 5, 0),
    columnBlock({ text: ['τ0', 'τ1', 'τ2'], textSha256: null, arm: 'shadow' }, 3, 10),
    columnBlock({ textSha256: null, tokens: null, oovTokens: null, env: 'staging' }, 3, 20),
    columnBlock({ model: "o'brien" }, 2, 30),
    columnBlock({ classes: many }, 2, 40),
    columnBlock(
      { classes: ['1', '0'], probabilities: Float64Array.from([Number.NaN, 1, 0.5, 0.5]) },
      2,
      50,
    ),
  ];
}

for (const backend of monitorBackends()) {
  describe(backend.name, () => {
    test('writeColumns stores the same rows as writeBatch; re-sent rows are ignored', async (t) => {
      const viaColumns = await openMonitorStore(await backend.location(t));
      const viaRows = await openMonitorStore(await backend.location(t));
      const blocks = variety();
      const total = blocks.reduce((a, b) => a + b.length, 0);
      assert.ok(viaColumns.writeColumns);
      assert.equal(await viaColumns.writeColumns(blocks, []), total);
      assert.equal(await viaColumns.writeColumns(blocks.slice(0, 1), []), 0, 're-sent');
      assert.equal(await viaRows.writeBatch(blocks.flatMap(columnsToRows), []), total);
      const strip = (rs: PredictionRow[]) => rs.map((r) => JSON.stringify(r));
      const got = await viaColumns.predictions({});
      assert.deepEqual(strip(got), strip(await viaRows.predictions({})));
      assert.equal(got.length, total);
      const nan = got.find((r) => r.id === 'p50');
      assert.deepEqual(nan?.probabilities, { 0: 1, 1: null } as unknown as Record<string, number>);
      await viaColumns.close();
      await viaRows.close();
    });

    test('labelled rows are the same from either side of the join; version counts per model', async (t) => {
      const store = await openMonitorStore(await backend.location(t));
      const at0 = 1_700_000_000_000;
      const rows: PredictionRow[] = [];
      for (let i = 0; i < 300; i++) {
        rows.push({
          id: `q${i}`,
          at: at0 + i * 1000,
          model: i % 5 === 0 ? 'other' : 'm',
          version: 1 + (i % 3),
          env: i % 2 ? 'production' : 'staging',
          arm: 'stable',
          label: 'pos',
          confidence: 0.7,
          probabilities: { neg: 0.3, pos: 0.7 },
          latencyMs: 1,
          textLength: 3,
          text: null,
          textSha256: null,
          tokens: null,
          oovTokens: null,
        });
      }
      await store.writeBatch(rows, []);
      const window = { model: 'm', version: 2, since: at0 + 50_000, until: at0 + 250_000 };
      const inWindow = rows.filter(
        (r) => r.model === 'm' && r.version === 2 && r.at >= window.since && r.at < window.until,
      );
      // Few labels (the join starts from the feedback), then labels for every row (from the window).
      await store.recordFeedback([
        { predictionId: 'q5', label: 'neg' },
        ...inWindow.slice(0, 3).map((r) => ({ predictionId: r.id, label: 'neg' })),
      ]);
      const few = await store.labelled({ ...window, limit: 2 });
      assert.deepEqual(
        few.map((r) => [r.id, r.truth]),
        inWindow.slice(1, 3).map((r) => [r.id, 'neg']),
      );
      await store.recordFeedback(rows.map((r) => ({ predictionId: r.id, label: 'pos' })));
      const all = await store.labelled(window);
      assert.deepEqual(
        all.map((r) => r.id),
        inWindow.map((r) => r.id),
      );
      assert.ok(all.every((r) => r.truth === 'pos'));

      for (const f of [
        { model: 'm' },
        { model: 'm', since: at0 + 100_000, until: at0 + 200_000 },
        { model: 'm', env: 'production' },
        { model: 'm', version: 3 },
        { model: 'none' },
      ]) {
        const want = [1, 2, 3]
          .map((version) => {
            const rs = rows.filter(
              (r) =>
                r.model === f.model &&
                r.version === version &&
                (f.version === undefined || r.version === f.version) &&
                (f.env === undefined || r.env === f.env) &&
                (f.since === undefined || r.at >= f.since) &&
                (f.until === undefined || r.at < f.until),
            );
            return rs.length === 0
              ? null
              : {
                  model: f.model,
                  version,
                  predictions: rs.length,
                  first: Math.min(...rs.map((r) => r.at)),
                  last: Math.max(...rs.map((r) => r.at)),
                };
          })
          .filter((v) => v !== null);
        assert.deepEqual(await store.versions(f), want, JSON.stringify(f));
      }
      await store.close();
    });
  });
}
