// monitor.db's prediction blocks: rows survive the blob exactly (or as the
// row store read them: a non-finite probability as null), blocks split where
// they must (size, id span, id form), ids are found by form, duplicates by
// id are left out, and a retention cut through a block keeps its newer rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { monitorDbPath, openMonitorStore } from '../open.js';
import { tempDir } from '../test-support/fixtures.js';
import type { PredictionRow } from '../types.js';
import { BlockStore } from './block-store.js';
import { MONITOR_MIGRATIONS } from './migrations.js';
import {
  BLOCK_ROWS,
  DecodedBlock,
  encodeBlock,
  ID_SPAN,
  idParts,
  rowsToColumns,
  splitForBlocks,
} from './prediction-blocks.js';

const HASH = 'c0ffee'.padEnd(64, '0');

function row(id: string, at: number, over: Partial<PredictionRow> = {}): PredictionRow {
  return {
    id,
    at,
    model: 'imdb',
    version: 2,
    env: 'production',
    arm: 'stable',
    label: 'pos',
    confidence: 0.75,
    probabilities: { neg: 0.25, pos: 0.75 },
    latencyMs: 0.125,
    textLength: 42,
    text: null,
    textSha256: HASH,
    tokens: 9,
    oovTokens: 2,
    ...over,
  };
}

const roundTrip = (rows: PredictionRow[]) =>
  rowsToColumns(rows).flatMap((c) =>
    splitForBlocks(c).flatMap((part, i) => {
      const { meta, data } = encodeBlock(part);
      return new DecodedBlock(i, meta, data).rows();
    }),
  );

test('idParts: PREFIX-COUNTER[.SUFFIX] in canonical base 36, anything else is not', () => {
  assert.deepEqual(idParts('p0a1b2c3d4e-1z'), {
    prefix: 'p0a1b2c3d4e-',
    counter: 71,
    suffix: '',
  });
  assert.deepEqual(idParts('a-b-10.shadow'), { prefix: 'a-b-', counter: 36, suffix: '.shadow' });
  for (const id of ['r1', 'p-01', 'p-', 'p-A', 'p-1.', 'p-12345678901', '-']) {
    assert.equal(idParts(id), null, id);
  }
});

test('a block holds its rows exactly: text, hashes of any form, nulls, labels outside the classes', () => {
  const rows = [
    row('p-1', 1000),
    row('p-2', 1001, { label: 'neg', text: 'héllo ✓', textSha256: null, tokens: null }),
    row('p-3', 999.5, { label: 'unheard-of', oovTokens: null, latencyMs: 3 }),
    row('p-4', 1002, { textSha256: 'NOT HEX', text: '' }),
  ];
  assert.deepEqual(roundTrip(rows), rows);
  const nonFinite = roundTrip([row('p-5', 1, { probabilities: { neg: Number.NaN, pos: 1 } })]);
  assert.deepEqual(nonFinite[0]?.probabilities, { neg: null, pos: 1 });
});

test('splitForBlocks: at most BLOCK_ROWS rows, ids spanning < ID_SPAN, one id form per block, order kept', () => {
  const many = Array.from({ length: BLOCK_ROWS + 5 }, (_, i) =>
    row(`p-${(i + 1).toString(36)}`, i),
  );
  const [cols] = rowsToColumns(many);
  const parts = splitForBlocks(cols as NonNullable<typeof cols>);
  assert.deepEqual(
    parts.map((p) => p.cols.ids.length),
    [BLOCK_ROWS, 5],
  );
  const spread = [
    'p-1',
    `p-${ID_SPAN.toString(36)}`,
    `p-${(ID_SPAN + 1).toString(36)}`,
    'x',
    'y',
    'q-1',
    'q-1.shadow',
  ];
  const [mixed] = rowsToColumns(spread.map((id, i) => row(id, i)));
  const got = splitForBlocks(mixed as NonNullable<typeof mixed>).map((p) => [
    p.cols.ids,
    p.ids?.prefix ?? null,
  ]);
  assert.deepEqual(got, [
    [['p-1', `p-${ID_SPAN.toString(36)}`], 'p-'],
    [[`p-${(ID_SPAN + 1).toString(36)}`], 'p-'],
    [['x', 'y'], null],
    [['q-1'], 'q-'],
    [['q-1.shadow'], 'q-'],
  ]);
});

test('BlockStore: ids found by form; duplicates by id left out, within a write and across writes', (t) => {
  const db = new Database(':memory:');
  t.after(() => db.close());
  for (const m of MONITOR_MIGRATIONS) db.exec(m.sql);
  const store = new BlockStore(db);
  const ids = ['p-1', 'p-2', 'p-3', 'p-2', 'free form', 'free form', 'p-3.shadow'];
  const [a, b] = rowsToColumns(ids.map((id, i) => row(id, i)));
  let stored = 0;
  for (const c of rowsToColumns(ids.map((id, i) => row(id, i)))) stored += store.write(c);
  assert.equal(stored, 5);
  assert.ok(a !== undefined && b === undefined, 'one stream, one run');
  // The same rows again (a re-sent batch) and one new one interleaved.
  const again = ['p-3', 'p-4', 'free form', 'p-3.shadow'].map((id, i) => row(id, 10 + i));
  let more = 0;
  for (const c of rowsToColumns(again)) more += store.write(c);
  assert.equal(more, 1);
  for (const [id, at] of [
    ['p-1', 0],
    ['p-4', 11],
    ['free form', 4],
    ['p-3.shadow', 6],
  ] as const) {
    const found = store.locate(id);
    assert.ok(found !== null, id);
    assert.equal(found.block.ids()[found.index], id);
    assert.equal(found.block.at[found.index], at);
  }
  for (const id of ['p-5', 'p-3.compare', 'other', 'q-1']) assert.equal(store.locate(id), null, id);
});

test('retention cuts through a block: its newer rows, feedback and ids stay; the older go', async (t) => {
  const dir = tempDir(t);
  const b = await openMonitorStore(dir);
  t.after(() => b.close());
  const server = Array.from({ length: 10 }, (_, i) => row(`p-${i + 1}`, 1000 + i));
  const other = Array.from({ length: 4 }, (_, i) =>
    row(`req ${i}`, 1000 + 3 * i, { arm: 'canary' }),
  );
  assert.equal(await b.writeBatch([...server, ...other], []), 14);
  const fb = await b.recordFeedback([
    { predictionId: 'p-2', label: 'neg' },
    { predictionId: 'p-8', label: 'neg' },
    { predictionId: 'req 3', label: 'pos' },
    { predictionId: 'nope', label: 'pos' },
  ]);
  assert.deepEqual(fb, { recorded: 3, updated: 0, unknown: ['nope'] });
  const report = await b.prune({ before: 1005 });
  assert.equal(report.deletedPredictions, 5 + 2);
  assert.equal(report.deletedFeedback, 1);
  const left = await b.predictions({});
  assert.deepEqual(
    left.map((r) => r.id),
    ['p-6', 'p-7', 'req 2', 'p-8', 'p-9', 'p-10', 'req 3'],
  );
  assert.deepEqual(
    (await b.labelled({})).map((r) => [r.id, r.truth]),
    [
      ['p-8', 'neg'],
      ['req 3', 'pos'],
    ],
  );
  // The rewritten blocks still find their ids; the pruned ones are gone.
  assert.deepEqual((await b.recordFeedback([{ predictionId: 'p-9', label: 'pos' }])).recorded, 1);
  assert.deepEqual((await b.recordFeedback([{ predictionId: 'req 0', label: 'pos' }])).unknown, [
    'req 0',
  ]);
  assert.deepEqual(await b.predictions({ limit: 2 }), left.slice(-2));
  assert.deepEqual(
    (await b.versions({ since: 1007 })).map((v) => [v.predictions, v.first, v.last]),
    [[4, 1007, 1009]],
  );
});

test('a block that does not decode is MONITOR_STORE_INVALID, not a crash', async (t) => {
  const dir = tempDir(t);
  const b = await openMonitorStore(dir);
  await b.writeBatch([row('p-1', 1), row('p-2', 2)], []);
  await b.close();
  const good = await openMonitorStore(dir, { readonly: true });
  assert.equal((await good.predictions({})).length, 2);
  await good.close();
  for (const data of ['x', JSON.stringify({ n: 1e9, classes: [], labels: [] })]) {
    const db = new Database(monitorDbPath(dir));
    const head = Buffer.from(data);
    const blob = Buffer.concat([Buffer.from(Uint32Array.of(head.length).buffer), head]);
    db.prepare('UPDATE prediction_blocks SET data = ?').run(blob);
    db.close();
    const r = await openMonitorStore(dir, { readonly: true });
    await assert.rejects(r.predictions({}), { code: 'MONITOR_STORE_INVALID' });
    await r.close();
  }
});
