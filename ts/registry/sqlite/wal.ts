/**
 * Switching a SQLite file to WAL, safely when several processes open a new
 * store at the same moment.
 *
 * `PRAGMA journal_mode = WAL` reads the header and then upgrades to an
 * exclusive lock. When two connections both hold the read lock and both want
 * the upgrade, SQLite answers one of them SQLITE_BUSY at once, without calling
 * the busy handler (waiting could deadlock). The busy timeout therefore does
 * not cover this statement; this retries it, with jitter, until the same
 * timeout has passed. Seen in CI: five processes creating one registry.
 * @module
 */
import type Database from 'better-sqlite3';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Block this thread for `ms` (open is synchronous; the wait is a few milliseconds). */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Put `db` in WAL mode (a no-op once the file is WAL), retrying while another
 * connection holds the lock it needs, for up to `timeoutMs`.
 */
export function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e;
      // 2, 4, 8 ... up to 64 ms, plus jitter so racing processes spread out.
      sleepSync(Math.min(64, 2 << Math.min(attempt, 5)) + Math.random() * 8);
    }
  }
}
