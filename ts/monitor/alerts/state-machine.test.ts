// The alert state machine, step by step: pending until `for` has passed,
// firing once, resolved once, a gap in the condition (or in the data) resets
// a pending alert but never resolves a firing one, repeats after the repeat
// interval, "gone" closes, and fingerprints ignore label order.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fingerprint, step } from './state-machine.js';
import type { AlertRecord, Observation } from './types.js';

const MIN = 60_000;

function o(active: boolean | null, value: number | null = 0.5): Observation {
  return {
    rule: 'drift',
    severity: 'warning',
    labels: { signal: 'token_js' },
    active,
    value,
    threshold: 0.2,
    summary: `value ${value}`,
  };
}

/** Run a sequence of (minute, observation) and return the states and notifications. */
function run(seq: Array<[number, Observation | undefined]>, forMs = 10 * MIN, repeat = 0) {
  let rec: AlertRecord | undefined;
  const states: string[] = [];
  const notes: string[] = [];
  for (const [minute, obs] of seq) {
    const r = step('imdb', rec, obs, minute * MIN, forMs, repeat);
    if (r.next !== null) rec = r.next;
    states.push(rec?.state ?? 'none');
    if (r.transition?.notify)
      notes.push(`${minute}:${r.transition.notify}${r.transition.repeat ? '(repeat)' : ''}`);
  }
  return { states, notes, rec };
}

describe('alert state machine', () => {
  test('pending for `for`, then firing once, then resolved once', () => {
    const { states, notes, rec } = run([
      [0, o(false)],
      [1, o(true)],
      [5, o(true)],
      [11, o(true)],
      [12, o(true)],
      [20, o(false, 0.1)],
      [21, o(false, 0.1)],
    ]);
    assert.deepEqual(states, [
      'none',
      'pending',
      'pending',
      'firing',
      'firing',
      'resolved',
      'resolved',
    ]);
    assert.deepEqual(notes, ['11:firing', '20:resolved']);
    assert.equal(rec?.activeAt, 1 * MIN);
    assert.equal(rec?.firedAt, 11 * MIN);
    assert.equal(rec?.resolvedAt, 20 * MIN);
    assert.equal(rec?.value, 0.1);
  });

  test('for = 0 fires at once', () => {
    const { states, notes } = run([[0, o(true)]], 0);
    assert.deepEqual(states, ['firing']);
    assert.deepEqual(notes, ['0:firing']);
  });

  test('a gap (condition or data) resets a pending alert: the duration is continuous', () => {
    const { states, notes } = run([
      [0, o(true)],
      [8, o(false)],
      [9, o(true)],
      [15, o(null)],
      [16, o(true)],
      [25, o(true)],
      [26, o(true)],
    ]);
    assert.deepEqual(states, [
      'pending',
      'inactive',
      'pending',
      'inactive',
      'pending',
      'pending',
      'firing',
    ]);
    assert.deepEqual(notes, ['26:firing']);
  });

  test('missing data holds a firing alert; only a measurement back under the line resolves it', () => {
    const { states, notes, rec } = run([
      [0, o(true, 0.5)],
      [10, o(true, 0.6)],
      [11, o(null, null)],
      [40, o(null, null)],
      [41, o(false, 0.1)],
    ]);
    assert.deepEqual(states, ['pending', 'firing', 'firing', 'firing', 'resolved']);
    assert.deepEqual(notes, ['10:firing', '41:resolved']);
    assert.equal(rec?.value, 0.1);
  });

  test('a new episode after resolution starts pending again', () => {
    const { states, notes, rec } = run(
      [
        [0, o(true)],
        [1, o(false)],
        [5, o(true)],
        [6, o(true)],
      ],
      1 * MIN,
    );
    assert.deepEqual(states, ['pending', 'inactive', 'pending', 'firing']);
    assert.deepEqual(notes, ['6:firing']);
    assert.equal(rec?.resolvedAt, null);
    const again = run(
      [
        [0, o(true)],
        [1, o(true)],
        [2, o(false)],
        [3, o(true)],
        [4, o(true)],
      ],
      1 * MIN,
    );
    assert.deepEqual(again.states, ['pending', 'firing', 'resolved', 'pending', 'firing']);
    assert.deepEqual(again.notes, ['1:firing', '2:resolved', '4:firing']);
  });

  test('repeats a long-firing alert every repeat interval', () => {
    const seq: Array<[number, Observation]> = [];
    for (let m = 0; m <= 130; m += 10) seq.push([m, o(true)]);
    const { notes } = run(seq, 0, 60 * MIN);
    assert.deepEqual(notes, ['0:firing', '60:firing(repeat)', '120:firing(repeat)']);
  });

  test('"gone" (not observed) closes: pending → inactive, firing → resolved', () => {
    assert.deepEqual(
      run([
        [0, o(true)],
        [1, undefined],
      ]).states,
      ['pending', 'inactive'],
    );
    const fired = run(
      [
        [0, o(true)],
        [1, undefined],
        [2, undefined],
      ],
      0,
    );
    assert.deepEqual(fired.states, ['firing', 'resolved', 'resolved']);
    assert.deepEqual(fired.notes, ['0:firing', '1:resolved']);
    assert.match(fired.rec?.summary ?? '', /no longer evaluated/);
    assert.deepEqual(step('imdb', undefined, undefined, 0, 0), { next: null, transition: null });
  });

  test('never-active alerts are not stored', () => {
    assert.equal(step('imdb', undefined, o(false), 0, 0).next, null);
    assert.equal(step('imdb', undefined, o(null), 0, 0).next, null);
  });

  test('fingerprints: label order does not matter; model, rule and labels do', () => {
    const a = fingerprint('imdb', 'rollout_aborted', { env: 'production', rollout: '3' });
    assert.equal(a, fingerprint('imdb', 'rollout_aborted', { rollout: '3', env: 'production' }));
    assert.notEqual(a, fingerprint('imdb', 'rollout_aborted', { env: 'production', rollout: '4' }));
    assert.notEqual(
      a,
      fingerprint('imdb2', 'rollout_aborted', { env: 'production', rollout: '3' }),
    );
    assert.notEqual(a, fingerprint('imdb', 'other', { env: 'production', rollout: '3' }));
    assert.match(a, /^[0-9a-f]{16}$/);
  });
});
