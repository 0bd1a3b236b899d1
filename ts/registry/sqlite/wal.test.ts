/**
 * enableWal retries a journal-mode switch that SQLite refuses with
 * SQLITE_BUSY while another connection holds a lock, instead of failing the
 * open (the busy timeout does not cover every path of that pragma).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { enableWal } from './wal.js';

const SQLITE_MODULE = createRequire(import.meta.url).resolve('better-sqlite3');

/** A thread that holds a read transaction on `file` for `ms`, then lets go. */
async function holdReadLock(file: string, ms: number): Promise<Worker> {
  const worker = new Worker(
    `const Database = require(${JSON.stringify(SQLITE_MODULE)});
     const { parentPort, workerData } = require('node:worker_threads');
     const db = new Database(workerData.file);
     db.exec('BEGIN');
     db.prepare('SELECT count(*) FROM t').get();
     parentPort.postMessage('locked');
     setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.ms);`,
    { eval: true, workerData: { file, ms } },
  );
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return worker;
}

async function rollbackJournalFile(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sentio-wal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'store.db');
  const db = new Database(file);
  db.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
  db.close();
  return file;
}

test('a journal-mode switch refused while another connection reads is retried until it succeeds', async (t) => {
  const file = await rollbackJournalFile(t);
  const worker = await holdReadLock(file, 150);
  // No busy handler at all: every refusal reaches enableWal, which must wait it out.
  const db = new Database(file, { timeout: 0 });
  t.after(() => db.close());
  assert.throws(() => db.pragma('journal_mode = WAL'), { code: 'SQLITE_BUSY' }, 'the lock is held');
  enableWal(db, 5_000);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  await worker.terminate();
});

test('enableWal gives up with SQLITE_BUSY once its timeout has passed', async (t) => {
  const file = await rollbackJournalFile(t);
  const worker = await holdReadLock(file, 2_000);
  const db = new Database(file, { timeout: 0 });
  t.after(() => db.close());
  const started = Date.now();
  assert.throws(() => enableWal(db, 200), { code: 'SQLITE_BUSY' });
  assert.ok(Date.now() - started >= 200, 'it kept trying for the whole timeout');
  assert.equal(db.pragma('journal_mode', { simple: true }), 'delete');
  await worker.terminate();
});
