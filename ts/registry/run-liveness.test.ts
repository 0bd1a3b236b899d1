import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processExists, withLiveness } from './run-liveness.js';
import { deadPid } from './test-support/fixtures.js';
import type { RunRecord } from './types.js';

const HOST = 'this-host';

function run(over: Partial<RunRecord>): RunRecord {
  return {
    id: 'abcdef012345',
    experiment: 'e',
    status: 'running',
    params: {},
    metrics: {},
    tags: {},
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: null,
    durationMs: null,
    dataset: null,
    gitCommit: null,
    host: HOST,
    pid: process.pid,
    user: 'me',
    sentioVersion: '0.0.0',
    model: null,
    version: null,
    error: null,
    ...over,
  };
}

test('processExists: this process and pid 1 exist (EPERM counts as alive); a reaped child does not', async () => {
  assert.equal(processExists(process.pid), true);
  // pid 1 belongs to root: kill(1, 0) is EPERM for anyone else, which still means "exists".
  assert.equal(processExists(1), true);
  assert.equal(processExists(await deadPid()), false);
});

test('withLiveness: only a running run of this host whose process is gone reads as interrupted', async () => {
  const dead = await deadPid();
  assert.equal(withLiveness(run({ pid: dead }), HOST).status, 'interrupted');
  assert.equal(withLiveness(run({}), HOST).status, 'running');
  assert.equal(withLiveness(run({ pid: dead, host: 'elsewhere' }), HOST).status, 'running');
  assert.equal(withLiveness(run({ pid: null }), HOST).status, 'running');
  for (const status of ['finished', 'failed'] as const) {
    assert.equal(withLiveness(run({ pid: dead, status }), HOST).status, status);
  }
  // 0 and negative pids would address process groups: never probed, never "dead".
  for (const pid of [0, -1, 1.5]) {
    assert.equal(withLiveness(run({ pid }), HOST).status, 'running', `pid ${pid}`);
  }
  const original = run({ pid: dead });
  withLiveness(original, HOST);
  assert.equal(original.status, 'running', 'the record read is not modified');
});
