/**
 * The timeline logic without a store: merging moves and events by time, and
 * "which version served ENV at T" — the last move at or before T.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SentioError } from '../errors/index.js';
import type { AliasMove, DeployEvent, RolloutRecord } from '../registry/index.js';
import { mergeHistory, parseInstant, servingAt } from './history.js';

function move(
  id: number,
  at: string,
  from: number | null,
  to: number | null,
  alias = 'production',
): AliasMove {
  return {
    id,
    model: 'm',
    alias,
    fromVersion: from,
    toVersion: to,
    at,
    who: 'a@h',
    reason: null,
    details: { action: 'deploy', forced: id === 3, gates: [] },
  };
}

const moves = [
  move(1, '2026-05-01T10:00:00.000Z', null, 1),
  move(2, '2026-05-01T11:00:00.000Z', null, 2, 'staging'),
  move(3, '2026-05-01T12:00:00.000Z', 1, 2),
  move(4, '2026-05-01T12:00:00.000Z', 2, 3),
  move(5, '2026-05-01T13:00:00.000Z', 3, 1),
];

test('servingAt: the last move of that environment at or before T', () => {
  const at = (t: string, env = 'production') => servingAt(env, moves, [], parseInstant(t)).version;
  assert.equal(at('2026-05-01T09:59:59.999Z'), null);
  assert.equal(at('2026-05-01T10:00:00.000Z'), 1);
  assert.equal(at('2026-05-01T11:59Z'), 1);
  // Two moves in the same millisecond: the later one (by id) is what served.
  assert.equal(at('2026-05-01T12:00Z'), 3);
  assert.equal(at('2026-05-01T12:30:00+01:00'), 1); // 11:30 UTC
  assert.equal(at('2026-05-01T13:00:00.000Z'), 1);
  assert.equal(at('2026-05-01T12:00Z', 'staging'), 2);
  assert.equal(servingAt('production', moves, [], parseInstant('2026-05-01T12:30Z')).since?.id, 4);
});

test('servingAt lists rollouts active at T', () => {
  const r = {
    id: 1,
    env: 'production',
    kind: 'canary',
    version: 4,
    percent: 10,
    startedAt: '2026-05-01T12:10:00.000Z',
    endedAt: '2026-05-01T12:20:00.000Z',
  } as RolloutRecord;
  assert.equal(
    servingAt('production', moves, [r], parseInstant('2026-05-01T12:15Z')).rollouts.length,
    1,
  );
  assert.equal(
    servingAt('production', moves, [r], parseInstant('2026-05-01T12:20Z')).rollouts.length,
    0,
  );
});

test('parseInstant: ISO with or without seconds or zone (UTC), dates, now; else DEPLOY_BAD_OPTION', () => {
  assert.equal(parseInstant('2026-05-01T12:00Z').toISOString(), '2026-05-01T12:00:00.000Z');
  assert.equal(parseInstant('2026-05-01T12:00').toISOString(), '2026-05-01T12:00:00.000Z');
  assert.equal(parseInstant('2026-05-01 12:00:30').toISOString(), '2026-05-01T12:00:30.000Z');
  assert.equal(parseInstant('2026-05-01').toISOString(), '2026-05-01T00:00:00.000Z');
  assert.ok(Math.abs(parseInstant('now').getTime() - Date.now()) < 1000);
  for (const bad of ['yesterday', '12:00', '2026-13-45T00:00Z', '']) {
    assert.throws(
      () => parseInstant(bad),
      (e: unknown) =>
        e instanceof SentioError && e.code === 'DEPLOY_BAD_OPTION' && /--at/.test(e.message),
      bad,
    );
  }
});

test('mergeHistory: one timeline, moves before events at the same instant', () => {
  const ev: DeployEvent = {
    id: 1,
    model: 'm',
    env: 'production',
    kind: 'promote_refused',
    version: 4,
    at: '2026-05-01T12:00:00.000Z',
    who: 'b@h',
    reason: 'try',
    details: { gates: [{ name: 'checksum' }] },
  };
  const entries = mergeHistory(moves, [ev]);
  assert.deepEqual(
    entries.map((e) => `${e.type}${e.id}`),
    ['move1', 'move2', 'move3', 'move4', 'event1', 'move5'],
  );
  const e = entries[4];
  assert.equal(e?.action, 'promote_refused');
  assert.equal(e?.version, 4);
  assert.equal(e?.gates.length, 1);
  assert.equal(entries[2]?.forced, true);
  assert.equal(entries[0]?.action, 'deploy');
});
