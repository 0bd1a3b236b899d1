/**
 * The row-level copy of a SQLite registry into a PostgreSQL one, for `sentio
 * store migrate`: every table, with its ids, timestamps and who/why exactly
 * as they were (so history, events and references stay intact), in one
 * PostgreSQL transaction — a copy is all there or not at all. Inserts are
 * `ON CONFLICT DO NOTHING`, so re-running it after an interruption adds only
 * what is missing. Identity sequences are moved past the copied ids.
 *
 * Each table is listed once with its columns and PostgreSQL types; rows
 * travel as typed arrays through `unnest` (JSON documents as their original
 * text, floats including NaN and ±Infinity).
 * @module
 */
import type Database from 'better-sqlite3';
import type { Tx } from './database.js';

interface Column {
  /** Column in the SQLite source (an expression is allowed). */
  from: string;
  /** Column in PostgreSQL. */
  to: string;
  /** PostgreSQL type of the array element. */
  type: 'text' | 'bigint' | 'int' | 'float8' | 'boolean' | 'json' | 'timestamptz';
}

interface TableSpec {
  table: string;
  columns: Column[];
  /** Conflict target that makes a re-run a no-op. */
  key: string;
  /** Identity column whose sequence must move past the copied ids. */
  identity?: string;
  order: string;
}

const c = (from: string, type: Column['type'], to = from): Column => ({ from, to, type });

/** In dependency order (parents before children). */
export const TABLES: readonly TableSpec[] = [
  {
    table: 'experiments',
    columns: [c('id', 'bigint'), c('name', 'text'), c('created_at', 'timestamptz')],
    key: 'id',
    identity: 'id',
    order: 'id',
  },
  {
    table: 'runs',
    columns: [
      c('id', 'text'),
      c('rowid', 'bigint', 'seq'),
      c('experiment_id', 'bigint'),
      c('status', 'text'),
      c('params', 'json'),
      c('started_at', 'timestamptz'),
      c('ended_at', 'timestamptz'),
      c('duration_ms', 'bigint'),
      c('dataset', 'json'),
      c('git_commit', 'text'),
      c('host', 'text'),
      c('pid', 'int'),
      c('user', 'text', 'user_name'),
      c('sentio_version', 'text'),
      c('model', 'text'),
      c('version', 'int'),
      c('error', 'text'),
    ],
    key: 'id',
    identity: 'seq',
    order: 'rowid',
  },
  {
    table: 'run_metrics',
    columns: [
      c('run_id', 'text'),
      c('key', 'text'),
      c('value', 'float8'),
      c('updated_at', 'timestamptz'),
    ],
    key: 'run_id, key',
    order: 'run_id, key',
  },
  {
    table: 'run_tags',
    columns: [c('run_id', 'text'), c('key', 'text'), c('value', 'text')],
    key: 'run_id, key',
    order: 'run_id, key',
  },
  {
    table: 'models',
    columns: [
      c('id', 'bigint'),
      c('name', 'text'),
      c('description', 'text'),
      c('created_at', 'timestamptz'),
      c('next_version', 'int'),
    ],
    key: 'id',
    identity: 'id',
    order: 'id',
  },
  {
    table: 'model_tags',
    columns: [c('model_id', 'bigint'), c('key', 'text'), c('value', 'text')],
    key: 'model_id, key',
    order: 'model_id, key',
  },
  {
    table: 'versions',
    columns: [
      c('id', 'bigint'),
      c('model_id', 'bigint'),
      c('version', 'int'),
      c('created_at', 'timestamptz'),
      c('run_id', 'text'),
      c('model_sha256', 'text'),
      c('config', 'json'),
      c('dataset', 'json'),
      c('description', 'text'),
    ],
    key: 'id',
    identity: 'id',
    order: 'id',
  },
  {
    table: 'version_artifacts',
    columns: [c('version_id', 'bigint'), c('name', 'text'), c('sha256', 'text')],
    key: 'version_id, name',
    order: 'version_id, name',
  },
  {
    table: 'version_metrics',
    columns: [c('version_id', 'bigint'), c('key', 'text'), c('value', 'float8')],
    key: 'version_id, key',
    order: 'version_id, key',
  },
  {
    table: 'version_tags',
    columns: [c('version_id', 'bigint'), c('key', 'text'), c('value', 'text')],
    key: 'version_id, key',
    order: 'version_id, key',
  },
  {
    table: 'aliases',
    columns: [
      c('model_id', 'bigint'),
      c('alias', 'text'),
      c('version_id', 'bigint'),
      c('updated_at', 'timestamptz'),
    ],
    key: 'model_id, alias',
    order: 'model_id, alias',
  },
  {
    table: 'alias_history',
    columns: [
      c('id', 'bigint'),
      c('model_id', 'bigint'),
      c('alias', 'text'),
      c('from_version', 'int'),
      c('to_version', 'int'),
      c('at', 'timestamptz'),
      c('who', 'text'),
      c('reason', 'text'),
      c('details', 'json'),
    ],
    key: 'id',
    identity: 'id',
    order: 'id',
  },
  {
    table: 'evaluations',
    columns: [
      c('id', 'bigint'),
      c('version_id', 'bigint'),
      c('at', 'timestamptz'),
      c('dataset', 'json'),
      c('metrics', 'json'),
      c('report_sha256', 'text'),
    ],
    key: 'id',
    identity: 'id',
    order: 'id',
  },
  {
    table: 'policies',
    columns: [
      c('model_id', 'bigint'),
      c('policy', 'json'),
      c('updated_at', 'timestamptz'),
      c('updated_by', 'text'),
    ],
    key: 'model_id',
    order: 'model_id',
  },
  {
    table: 'approvals',
    columns: [
      c('id', 'bigint'),
      c('version_id', 'bigint'),
      c('env', 'text'),
      c('approved_by', 'text'),
      c('at', 'timestamptz'),
      c('note', 'text'),
    ],
    key: 'id',
    identity: 'id',
    order: 'id',
  },
  {
    table: 'rollouts',
    columns: [
      c('id', 'bigint'),
      c('model_id', 'bigint'),
      c('env', 'text'),
      c('kind', 'text'),
      c('version_id', 'bigint'),
      c('percent', 'float8'),
      c('thresholds', 'json'),
      c('state', 'text'),
      c('started_at', 'timestamptz'),
      c('started_by', 'text'),
      c('reason', 'text'),
      c('ended_at', 'timestamptz'),
      c('ended_by', 'text'),
      c('end_reason', 'text'),
      c('end_details', 'json'),
    ],
    key: 'id',
    identity: 'id',
    order: 'id',
  },
  {
    table: 'rollout_stats',
    columns: [
      c('rollout_id', 'bigint'),
      c('instance', 'text'),
      c('updated_at', 'timestamptz'),
      c('stats', 'json'),
    ],
    key: 'rollout_id, instance',
    order: 'rollout_id, instance',
  },
  {
    table: 'deploy_events',
    columns: [
      c('id', 'bigint'),
      c('model_id', 'bigint'),
      c('env', 'text'),
      c('kind', 'text'),
      c('version', 'int'),
      c('at', 'timestamptz'),
      c('who', 'text'),
      c('reason', 'text'),
      c('details', 'json'),
    ],
    key: 'id',
    identity: 'id',
    order: 'id',
  },
];

const BATCH = 2000;

/** Array element type for the parameter (json and timestamptz travel as text and are cast). */
function paramType(t: Column['type']): string {
  return t === 'json' || t === 'timestamptz' ? 'text' : t;
}

function value(v: unknown, t: Column['type']): unknown {
  if (v === undefined) return null;
  if (t === 'float8' && v === null) return null;
  if (t === 'boolean') return v === null ? null : v === 1 || v === true;
  return v;
}

async function insertBatch(
  tx: Tx,
  spec: TableSpec,
  rows: Record<string, unknown>[],
): Promise<number> {
  const cols = spec.columns;
  const params = cols.map((col) => rows.map((r) => value(r[col.from], col.type)));
  const select = cols
    .map((col, i) =>
      col.type === 'json' || col.type === 'timestamptz' ? `u.c${i}::${col.type}` : `u.c${i}`,
    )
    .join(', ');
  const unnest = cols.map((col, i) => `$${i + 1}::${paramType(col.type)}[]`).join(', ');
  const names = cols.map((_, i) => `c${i}`).join(', ');
  const res = await tx.query(
    `INSERT INTO ${spec.table} (${cols.map((col) => col.to).join(', ')})
     SELECT ${select} FROM unnest(${unnest}) AS u(${names})
     ON CONFLICT (${spec.key}) DO NOTHING`,
    params,
  );
  return res.rowCount ?? 0;
}

export interface CopyCounts {
  /** Rows read from the source, per table. */
  source: Record<string, number>;
  /** Rows inserted now (fewer than read on a resumed copy). */
  inserted: Record<string, number>;
}

/** Copy every table (inside the caller's transaction); environments are upserted. */
export async function copyTables(src: Database.Database, tx: Tx): Promise<CopyCounts> {
  const source: Record<string, number> = {};
  const inserted: Record<string, number> = {};
  // Environments first: the built-in ones exist in both stores; take the source's rows.
  const envs = src
    .prepare('SELECT name, description, created_at, builtin FROM environments ORDER BY name')
    .all() as Array<{ name: string; description: string; created_at: string; builtin: number }>;
  for (const e of envs) {
    await tx.query(
      `INSERT INTO environments (name, description, created_at, builtin) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET description = excluded.description, created_at = excluded.created_at`,
      [e.name, e.description, e.created_at, e.builtin === 1],
    );
  }
  source.environments = envs.length;
  inserted.environments = envs.length;
  for (const spec of TABLES) {
    const select = `SELECT ${spec.columns.map((col) => col.from).join(', ')} FROM ${spec.table} ORDER BY ${spec.order}`;
    const all = src.prepare(select).all() as Record<string, unknown>[];
    source[spec.table] = all.length;
    let n = 0;
    for (let i = 0; i < all.length; i += BATCH) {
      n += await insertBatch(tx, spec, all.slice(i, i + BATCH));
    }
    inserted[spec.table] = n;
    if (spec.identity !== undefined) {
      await tx.query(
        `SELECT setval(pg_get_serial_sequence('${spec.table}', '${spec.identity}'),
           greatest((SELECT max(${spec.identity}) FROM ${spec.table}), 1),
           (SELECT max(${spec.identity}) FROM ${spec.table}) IS NOT NULL)`,
      );
    }
  }
  return { source, inserted };
}

/** Row counts of the same tables in the target (for the verification). */
export async function countTables(tx: Tx): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['environments', ...TABLES.map((t) => t.table)]) {
    out[table] = (await tx.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n as number;
  }
  return out;
}
