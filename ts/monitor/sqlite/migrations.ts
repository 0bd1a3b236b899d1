/**
 * The monitoring database's schema, as forward-only migrations (the
 * registry's rules): a released step is never edited, a change is a new step
 * at the end, `meta.schema_version` holds the last applied step, and a
 * database written by a newer Sentio is refused (MONITOR_STORE_TOO_NEW).
 *
 * A separate file from the registry (`monitor.db` next to `registry.db`):
 * prediction logs are high-volume, pruned and vacuumed, and must never
 * contend with registry writes. The backend creates it with
 * auto_vacuum=INCREMENTAL so pruning can give pages back to the filesystem.
 * @module
 */
import type Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import { schemaVersionOf } from '../../registry/index.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MONITOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'predictions, feedback, token document-frequency buckets',
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE predictions (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL,
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  env TEXT NOT NULL,
  arm TEXT NOT NULL CHECK (arm IN ('stable', 'canary', 'shadow')),
  label TEXT NOT NULL,
  confidence REAL NOT NULL,
  probabilities TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  text_length INTEGER NOT NULL,
  text TEXT,
  text_sha256 TEXT,
  tokens INTEGER,
  oov_tokens INTEGER
) STRICT;
CREATE INDEX predictions_by_model ON predictions(model, version, at);
CREATE INDEX predictions_by_time ON predictions(at);

CREATE TABLE feedback (
  prediction_id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  at INTEGER NOT NULL,
  source TEXT
) STRICT;

-- One row per (model, version, bucket, writer); counts is a blob of
-- little-endian uint32 (slot, count) pairs, merged on write.
CREATE TABLE token_buckets (
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  start INTEGER NOT NULL,
  writer TEXT NOT NULL,
  docs INTEGER NOT NULL,
  other INTEGER NOT NULL,
  counts BLOB NOT NULL,
  PRIMARY KEY (model, version, start, writer)
) STRICT;
CREATE INDEX token_buckets_by_start ON token_buckets(start);
`,
  },
  {
    version: 2,
    description: 'alert rules, alert state and history, notification deliveries',
    sql: `
-- One rule set per model: the validated document (JSON), as "sentio alerts rules set" stored it.
CREATE TABLE alert_rules (
  model TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
) STRICT;

-- Current state of every alert ever seen, one row per fingerprint (model, rule, labels).
CREATE TABLE alerts (
  fingerprint TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  rule TEXT NOT NULL,
  labels TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('inactive', 'pending', 'firing', 'resolved')),
  value REAL,
  threshold REAL,
  summary TEXT NOT NULL,
  active_at INTEGER,
  fired_at INTEGER,
  resolved_at INTEGER,
  updated_at INTEGER NOT NULL,
  notified_at INTEGER
) STRICT;
CREATE INDEX alerts_by_model ON alerts(model, state);

-- Every state change, oldest first (append only).
CREATE TABLE alert_events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  model TEXT NOT NULL,
  rule TEXT NOT NULL,
  labels TEXT NOT NULL,
  severity TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  value REAL,
  threshold REAL,
  summary TEXT NOT NULL
) STRICT;
CREATE INDEX alert_events_by_model ON alert_events(model, at);
CREATE INDEX alert_events_by_time ON alert_events(at);

-- What each notifier did with each notification (after its retries).
CREATE TABLE alert_deliveries (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  model TEXT NOT NULL,
  rule TEXT NOT NULL,
  status TEXT NOT NULL,
  notifier TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'dropped')),
  attempts INTEGER NOT NULL,
  error TEXT
) STRICT;
CREATE INDEX alert_deliveries_by_model ON alert_deliveries(model, at);
`,
  },
];

export const MONITOR_SCHEMA_VERSION: number =
  MONITOR_MIGRATIONS[MONITOR_MIGRATIONS.length - 1]?.version ?? 0;

function readVersion(db: Database.Database, file: string): number {
  return schemaVersionOf(db, file, 'MONITOR_STORE_INVALID', 'a Sentio monitoring database');
}

function tooNew(file: string, found: number): SentioError {
  return new SentioError(
    'MONITOR_STORE_TOO_NEW',
    `${file} was written by a newer Sentio (monitoring schema ${found}; this Sentio knows up to ${MONITOR_SCHEMA_VERSION}); nothing was changed`,
    { file, schemaVersion: found, supported: MONITOR_SCHEMA_VERSION },
  );
}

/** Check the version without writing (readers): MONITOR_STORE_TOO_NEW, or the version found. */
export function checkVersion(db: Database.Database, file: string): number {
  const v = readVersion(db, file);
  if (v > MONITOR_SCHEMA_VERSION) throw tooNew(file, v);
  return v;
}

/**
 * Bring the database to the last step in one IMMEDIATE transaction (the lock
 * is taken before re-reading the version: two processes migrate once).
 */
export function migrateMonitor(db: Database.Database, file: string): { from: number; to: number } {
  const target = MONITOR_SCHEMA_VERSION;
  if (checkVersion(db, file) === target) return { from: target, to: target };
  const run = db.transaction(() => {
    const from = checkVersion(db, file);
    for (const step of MONITOR_MIGRATIONS) {
      if (step.version <= from) continue;
      try {
        db.exec(step.sql);
      } catch (e) {
        throw new SentioError(
          'MONITOR_STORE_INVALID',
          `migrating ${file} to monitoring schema ${step.version} (${step.description}) failed: ${(e as Error).message}; left at version ${from}`,
          { file, from, step: step.version },
          { cause: e },
        );
      }
    }
    db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run('schema_version', String(target));
    return { from, to: target };
  });
  return run.immediate();
}
