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
import { predictionRow } from '../backend-rows.js';
import { BlockStore } from './block-store.js';
import { type DecodedBlock, rowsToColumns } from './prediction-blocks.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
  /** What SQL alone cannot do, run after `sql` in the same transaction. */
  run?: (db: Database.Database) => void;
}

/**
 * Step 3's data move: the row-per-prediction table's rows, in their order,
 * as blocks; each feedback row pointed at its prediction's block and time;
 * then the old table goes.
 */
function predictionsToBlocks(db: Database.Database): void {
  const blocks = new BlockStore(db);
  const page = db.prepare('SELECT * FROM predictions WHERE seq > ? ORDER BY seq LIMIT 4096');
  for (let after = -1; ; ) {
    const rows = page.all(after) as Record<string, unknown>[];
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.seq as number;
    for (const c of rowsToColumns(rows.map(predictionRow))) blocks.write(c);
  }
  const point = db.prepare(
    'UPDATE feedback SET block = ?, prediction_at = ? WHERE prediction_id = ?',
  );
  const cache = new Map<number, DecodedBlock>();
  for (const f of db.prepare('SELECT prediction_id FROM feedback').all() as {
    prediction_id: string;
  }[]) {
    const at = blocks.locate(f.prediction_id, cache);
    if (at !== null) point.run(at.block.seq, at.block.at[at.index], f.prediction_id);
  }
  db.exec('DROP TABLE predictions');
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
  {
    version: 3,
    description: 'predictions kept in blocks of one stream (columns in a blob), not a row each',
    sql: `
-- Up to 4096 predictions of one (model, version, env, arm) per row; the
-- format is ts/monitor/sqlite/prediction-blocks.ts. first_at / last_at
-- bound the predictions' times; id_prefix .. id_max describe server-form
-- ids (PREFIX-COUNTER[.SUFFIX]), whose counters span < 8192 per block.
CREATE TABLE prediction_blocks (
  seq INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  env TEXT NOT NULL,
  arm TEXT NOT NULL CHECK (arm IN ('stable', 'canary', 'shadow')),
  first_at REAL NOT NULL,
  last_at REAL NOT NULL,
  n INTEGER NOT NULL,
  id_prefix TEXT,
  id_suffix TEXT,
  id_min INTEGER,
  id_max INTEGER,
  data BLOB NOT NULL
) STRICT;
CREATE INDEX prediction_blocks_by_model ON prediction_blocks(model, version, last_at);
CREATE INDEX prediction_blocks_by_time ON prediction_blocks(last_at);
CREATE INDEX prediction_blocks_by_id ON prediction_blocks(id_prefix, id_suffix, id_min)
  WHERE id_prefix IS NOT NULL;

-- The block of every id that is not in the server's form.
CREATE TABLE prediction_ids (
  id TEXT PRIMARY KEY,
  block INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX prediction_ids_by_block ON prediction_ids(block);

-- Feedback points at its prediction's block and time (joins and retention without the id).
ALTER TABLE feedback ADD COLUMN block INTEGER;
ALTER TABLE feedback ADD COLUMN prediction_at REAL;
CREATE INDEX feedback_by_block ON feedback(block);
CREATE INDEX feedback_by_prediction_at ON feedback(prediction_at);
`,
    run: predictionsToBlocks,
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
        step.run?.(db);
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
