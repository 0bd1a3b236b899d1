/**
 * The SQLite schema, as forward-only migrations. A step is never edited once
 * released: a change is a new step at the end. `meta.schema_version` holds
 * the last applied step; a store with a higher number than this build knows
 * was written by a newer Sentio and is refused (REGISTRY_STORE_TOO_NEW).
 *
 * Invariants the schema enforces itself, so no code path can break them:
 * versions are unique per model and per model-file hash (identity by
 * content), a version's artifacts/metrics/config can never change (triggers),
 * versions are never deleted, alias history is append-only.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import { SENTIO_VERSION } from '../provenance.js';
import { schemaVersionOf } from './meta-version.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

const immutable = (table: string, what: string) => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${what} are immutable'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${what} cannot be deleted'); END;`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'experiments, runs, models, versions, tags, aliases with history',
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
  params TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  duration_ms INTEGER,
  dataset TEXT,
  git_commit TEXT,
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  sentio_version TEXT NOT NULL,
  model TEXT,
  version INTEGER,
  error TEXT
) STRICT;
CREATE INDEX runs_by_experiment ON runs(experiment_id, started_at);
CREATE INDEX runs_by_model ON runs(model, version);
CREATE INDEX runs_by_start ON runs(started_at);

CREATE TABLE run_metrics (
  run_id TEXT NOT NULL REFERENCES runs(id),
  key TEXT NOT NULL,
  value REAL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) STRICT;

CREATE TABLE run_tags (
  run_id TEXT NOT NULL REFERENCES runs(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) STRICT;

CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  -- Monotonic counter: numbers are never reused, whatever happens later.
  next_version INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE model_tags (
  model_id INTEGER NOT NULL REFERENCES models(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
) STRICT;

CREATE TABLE versions (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  version INTEGER NOT NULL CHECK (version >= 1),
  created_at TEXT NOT NULL,
  run_id TEXT REFERENCES runs(id),
  model_sha256 TEXT NOT NULL CHECK (length(model_sha256) = 64),
  config TEXT NOT NULL,
  dataset TEXT,
  description TEXT NOT NULL DEFAULT '',
  UNIQUE (model_id, version),
  UNIQUE (model_id, model_sha256)
) STRICT;
CREATE TRIGGER versions_immutable
BEFORE UPDATE OF id, model_id, version, created_at, run_id, model_sha256, config, dataset ON versions
BEGIN SELECT RAISE(ABORT, 'model versions are immutable'); END;
CREATE TRIGGER versions_no_delete BEFORE DELETE ON versions
BEGIN SELECT RAISE(ABORT, 'model versions cannot be deleted'); END;

CREATE TABLE version_artifacts (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  PRIMARY KEY (version_id, name)
) STRICT;
CREATE INDEX version_artifacts_by_sha256 ON version_artifacts(sha256);
${immutable('version_artifacts', 'version artifacts')}

CREATE TABLE version_metrics (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  key TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (version_id, key)
) STRICT;
${immutable('version_metrics', 'version metrics')}

CREATE TABLE version_tags (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (version_id, key)
) STRICT;

CREATE TABLE aliases (
  model_id INTEGER NOT NULL REFERENCES models(id),
  alias TEXT NOT NULL,
  version_id INTEGER NOT NULL REFERENCES versions(id),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (model_id, alias)
) STRICT;

CREATE TABLE alias_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id INTEGER NOT NULL REFERENCES models(id),
  alias TEXT NOT NULL,
  from_version INTEGER,
  to_version INTEGER,
  at TEXT NOT NULL,
  who TEXT NOT NULL,
  reason TEXT,
  details TEXT
) STRICT;
CREATE INDEX alias_history_by_alias ON alias_history(model_id, alias, id);
${immutable('alias_history', 'alias history entries')}
`,
  },
  {
    version: 2,
    description: 'evaluations of versions on new data',
    sql: `
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version_id INTEGER NOT NULL REFERENCES versions(id),
  at TEXT NOT NULL,
  dataset TEXT NOT NULL,
  metrics TEXT NOT NULL,
  report_sha256 TEXT CHECK (report_sha256 IS NULL OR length(report_sha256) = 64)
) STRICT;
CREATE INDEX evaluations_by_version ON evaluations(version_id, id);
CREATE INDEX evaluations_by_report ON evaluations(report_sha256);
`,
  },
  {
    version: 3,
    description: 'deployment: environments, policies, approvals, rollouts and their stats, events',
    sql: `
CREATE TABLE environments (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  builtin INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1))
) STRICT;
INSERT INTO environments (name, description, created_at, builtin) VALUES
  ('staging', 'pre-production: candidates are deployed and checked here', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 1),
  ('production', 'what users are served', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 1);
CREATE TRIGGER environments_builtin_no_delete BEFORE DELETE ON environments WHEN OLD.builtin = 1
BEGIN SELECT RAISE(ABORT, 'built-in environments cannot be removed'); END;

CREATE TABLE policies (
  model_id INTEGER PRIMARY KEY REFERENCES models(id),
  policy TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
) STRICT;

CREATE TABLE approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  version_id INTEGER NOT NULL REFERENCES versions(id),
  env TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  at TEXT NOT NULL,
  note TEXT
) STRICT;
CREATE INDEX approvals_by_version ON approvals(version_id, env);
${immutable('approvals', 'approvals')}

CREATE TABLE rollouts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id INTEGER NOT NULL REFERENCES models(id),
  env TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('canary', 'shadow')),
  version_id INTEGER NOT NULL REFERENCES versions(id),
  percent REAL NOT NULL CHECK (percent > 0 AND percent <= 100),
  thresholds TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'aborted', 'stopped', 'promoted')),
  started_at TEXT NOT NULL,
  started_by TEXT NOT NULL,
  reason TEXT,
  ended_at TEXT,
  ended_by TEXT,
  end_reason TEXT,
  end_details TEXT
) STRICT;
-- At most one active rollout of each kind per environment of a model.
CREATE UNIQUE INDEX rollouts_one_active ON rollouts(model_id, env, kind) WHERE state = 'active';
CREATE INDEX rollouts_by_model ON rollouts(model_id, id);
-- An ended rollout is history: it never changes again.
CREATE TRIGGER rollouts_ended_immutable BEFORE UPDATE ON rollouts WHEN OLD.state <> 'active'
BEGIN SELECT RAISE(ABORT, 'an ended rollout cannot change'); END;
CREATE TRIGGER rollouts_no_delete BEFORE DELETE ON rollouts
BEGIN SELECT RAISE(ABORT, 'rollouts cannot be deleted'); END;

CREATE TABLE rollout_stats (
  rollout_id INTEGER NOT NULL REFERENCES rollouts(id),
  instance TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  stats TEXT NOT NULL,
  PRIMARY KEY (rollout_id, instance)
) STRICT;

CREATE TABLE deploy_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id INTEGER NOT NULL REFERENCES models(id),
  env TEXT NOT NULL,
  kind TEXT NOT NULL,
  version INTEGER,
  at TEXT NOT NULL,
  who TEXT NOT NULL,
  reason TEXT,
  details TEXT
) STRICT;
CREATE INDEX deploy_events_by_model ON deploy_events(model_id, env, id);
${immutable('deploy_events', 'deployment events')}
`,
  },
  {
    version: 4,
    description: 'runs record the pid of their process (a killed run reads as interrupted)',
    // With runs.host: a reader on that host can tell a running run whose
    // process is gone (run-liveness.ts). Older runs keep NULL: unknown.
    sql: `
ALTER TABLE runs ADD COLUMN pid INTEGER CHECK (pid IS NULL OR pid > 0);
`,
  },
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * The store's schema version: 0 for an empty database; REGISTRY_STORE_INVALID
 * for a database that is not a Sentio registry.
 */
export function readSchemaVersion(db: Database.Database, file: string): number {
  return schemaVersionOf(db, file, 'REGISTRY_STORE_INVALID', 'a Sentio registry');
}

export function tooNew(file: string, found: number, known: number): SentioError {
  return new SentioError(
    'REGISTRY_STORE_TOO_NEW',
    `the store ${file} was written by a newer Sentio (schema version ${found}; this Sentio ${SENTIO_VERSION} knows up to ${known}). ` +
      'Upgrade Sentio to use it; nothing was changed.',
    { file, schemaVersion: found, supported: known },
  );
}

/**
 * Bring the database to `steps`' last version in one IMMEDIATE transaction
 * (taken before re-reading the version, so two processes opening an old
 * store at once migrate it exactly once). Returns the versions before/after.
 */
export function migrate(
  db: Database.Database,
  file: string,
  steps: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  const target = steps[steps.length - 1]?.version ?? 0;
  const seen = readSchemaVersion(db, file);
  if (seen > target) throw tooNew(file, seen, target);
  if (seen === target) return { from: seen, to: seen };
  const run = db.transaction(() => {
    const from = readSchemaVersion(db, file);
    if (from > target) throw tooNew(file, from, target);
    for (const step of steps) {
      if (step.version <= from) continue;
      try {
        db.exec(step.sql);
      } catch (e) {
        throw new SentioError(
          'REGISTRY_STORE_INVALID',
          `migrating ${file} to schema version ${step.version} (${step.description}) failed: ${(e as Error).message}; the store was left at version ${from}`,
          { file, from, step: step.version },
          { cause: e },
        );
      }
    }
    const set = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    const setIfAbsent = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    );
    set.run('schema_version', String(target));
    set.run('migrated_by', SENTIO_VERSION);
    set.run('migrated_at', new Date().toISOString());
    setIfAbsent.run('store_id', randomUUID());
    setIfAbsent.run('created_by', SENTIO_VERSION);
    setIfAbsent.run('created_at', new Date().toISOString());
    return { from, to: target };
  });
  return run.immediate();
}
