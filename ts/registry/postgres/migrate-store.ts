/**
 * `sentio store migrate --from DIR --to postgres://…`: copy a whole SQLite
 * store into PostgreSQL and prove the copy.
 *
 * 1. The target must be empty (no models, runs, experiments, artifacts or
 *    declared environments) unless `resume` is given and the target records
 *    that it is a copy of this very source (`meta.migrated_from`, the
 *    source's store id), so a half-done migration can be finished and a
 *    finished one re-run as a no-op, but two stores are never merged.
 * 2. Artifacts, one verified object per transaction (the source re-hashes
 *    on read, the target stores chunks and object atomically); objects the
 *    target already holds are skipped.
 * 3. Every registry table in one transaction from one SQLite read snapshot
 *    (copy-tables.ts): ids, timestamps and history exactly as they were.
 * 4. Verification: row counts per table, every source artifact present and
 *    re-hashed in the target, and a deep comparison of everything the
 *    Registry interface shows (../store-compare.ts). Any difference fails
 *    with REGISTRY_STORE_INVALID naming where.
 *
 * Stop writers (trainings, servers) on the source first: later writes to it
 * are not copied.
 *
 * Further parts (the monitoring store's prediction logs, feedback and
 * alerts) plug in as `MigrationPart`s given by the caller (`parts`; the CLI
 * passes ts/monitor's), since ts/monitor depends on ts/registry and not the
 * other way round. Each copies and verifies itself after the registry is
 * verified; a part present in the source that nobody copies is reported
 * under `skipped`.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import { DB_FILE, openRegistry } from '../open.js';
import { firstDifference, storeSnapshot } from '../store-compare.js';
import type { Registry } from '../types.js';
import { type CopyCounts, copyTables, countTables } from './copy-tables.js';
import { PgDatabase } from './database.js';
import { isPostgresUrl, redactUrl } from './url.js';

export interface MigrateProgress {
  phase: 'artifacts' | 'tables' | 'verify';
  done: number;
  total: number;
  bytes?: number;
}

export interface MigrateStoreOptions {
  from: string;
  to: string;
  /** Continue a migration of this same source into this target. */
  resume?: boolean;
  onProgress?: (p: MigrateProgress) => void;
  /** Parts beyond the registry, copied after it (default: PARTS). */
  parts?: readonly MigrationPart[];
}

/** A further part of a store that a later backend copies (e.g. prediction logs, part 2). */
export interface MigrationPart {
  name: string;
  /** Present in the source? */
  present(sourceDir: string): boolean;
  /** Copy it idempotently and verify the copy (throwing on any difference). */
  copy?(sourceDir: string, targetUrl: string): Promise<{ rows: number }>;
}

/** Parts beyond the registry and its artifacts that this module knows of (without a copy). */
export const PARTS: MigrationPart[] = [
  {
    name: 'prediction logs and feedback (monitor.db)',
    present: (dir) => fs.existsSync(path.join(dir, 'monitor.db')),
  },
];

export interface MigrateStoreReport {
  from: string;
  to: string;
  sourceStoreId: string;
  resumed: boolean;
  artifacts: { total: number; copied: number; alreadyPresent: number; bytes: number };
  tables: CopyCounts;
  verified: { tables: Record<string, number>; artifacts: number; deep: true };
  /** Further parts copied and verified, with their row counts. */
  parts: Array<{ part: string; rows: number }>;
  /** Parts of the source not copied by this Sentio, with why. */
  skipped: Array<{ part: string; reason: string }>;
  ms: number;
}

function invalid(message: string, details?: Record<string, unknown>): SentioError {
  return new SentioError('REGISTRY_STORE_INVALID', message, details);
}

async function metaValue(db: PgDatabase, key: string): Promise<string | null> {
  const r = await db.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
  return r[0]?.value ?? null;
}

async function targetContents(db: PgDatabase): Promise<Record<string, number>> {
  const r = await db.query<Record<string, number>>(
    `SELECT (SELECT count(*) FROM models) AS models, (SELECT count(*) FROM runs) AS runs,
            (SELECT count(*) FROM experiments) AS experiments,
            (SELECT count(*) FROM artifact_objects) AS artifacts,
            (SELECT count(*) FROM environments WHERE NOT builtin) AS environments`,
  );
  return Object.fromEntries(Object.entries(r[0] ?? {}).filter(([, n]) => n > 0));
}

export async function migrateStore(opts: MigrateStoreOptions): Promise<MigrateStoreReport> {
  const t0 = performance.now();
  if (isPostgresUrl(opts.from) || /^[a-z][a-z0-9+.-]*:\/\//i.test(opts.from)) {
    throw new SentioError('CLI_USAGE', '--from must be a SQLite store directory');
  }
  if (!isPostgresUrl(opts.to)) {
    throw new SentioError('CLI_USAGE', '--to must be a postgres:// (or postgresql://) URL');
  }
  const progress = opts.onProgress ?? (() => {});
  const src = await openRegistry(opts.from, { readonly: true });
  let dst: Registry | undefined;
  const raw = new Database(path.join(src.dir, DB_FILE), { readonly: true });
  const db = new PgDatabase(opts.to, { readonly: false, max: 2 });
  try {
    dst = await openRegistry(opts.to); // creates and migrates the schema when needed
    const sourceId = (
      raw.prepare("SELECT value FROM meta WHERE key = 'store_id'").get() as { value: string }
    ).value;
    const copyOf = await metaValue(db, 'migrated_from');
    const contents = await targetContents(db);
    const resumed = Object.keys(contents).length > 0 || copyOf !== null;
    if (resumed) {
      const what = Object.entries(contents)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      if (!opts.resume) {
        throw new SentioError(
          'REGISTRY_CONFLICT',
          `the target ${db.store} is not empty (${what || 'a migration was started'}); ` +
            (copyOf === sourceId
              ? 'it is an earlier copy of this source: add --resume to finish or re-check it'
              : 'migrate into an empty database'),
          { to: db.store, contents, migratedFrom: copyOf },
        );
      }
      if (copyOf !== sourceId) {
        throw new SentioError(
          'REGISTRY_CONFLICT',
          `--resume: the target ${db.store} is not a copy of ${src.dir} (${copyOf === null ? 'it holds other data' : `it is a copy of store ${copyOf}`}); nothing was changed`,
          { to: db.store, migratedFrom: copyOf, source: sourceId },
        );
      }
    } else {
      await db.write(async (tx) => {
        await tx.query(
          `INSERT INTO meta (key, value) VALUES ('migrated_from', $1), ('migration_started_at', $2)
           ON CONFLICT (key) DO NOTHING`,
          [sourceId, new Date().toISOString()],
        );
      });
    }

    // Artifacts: one object per transaction, verified on both sides.
    const shas = await src.artifacts.list();
    let copied = 0;
    let bytes = 0;
    for (const [i, sha] of shas.entries()) {
      if (!(await dst.artifacts.has(sha))) {
        const data = await src.artifacts.get(sha);
        if ((await dst.artifacts.put(data)) !== sha)
          throw invalid(`artifact ${sha} changed in transit`);
        copied++;
        bytes += data.byteLength;
      }
      progress({ phase: 'artifacts', done: i + 1, total: shas.length, bytes });
    }

    // Tables: one PostgreSQL transaction, one SQLite read snapshot.
    progress({ phase: 'tables', done: 0, total: 1 });
    raw.exec('BEGIN');
    let tables: CopyCounts;
    try {
      tables = await db.write(async (tx) => {
        const counts = await copyTables(raw, tx);
        await tx.query(
          `INSERT INTO meta (key, value) VALUES ('migration_finished_at', $1)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [new Date().toISOString()],
        );
        return counts;
      });
    } finally {
      raw.exec('COMMIT');
    }
    progress({ phase: 'tables', done: 1, total: 1 });

    // Verification.
    progress({ phase: 'verify', done: 0, total: 3 });
    const counts = await db.read((tx) => countTables(tx));
    for (const [table, n] of Object.entries(tables.source)) {
      if (counts[table] !== n) {
        throw invalid(
          `verification failed: ${table} has ${counts[table]} rows in the copy, ${n} in the source`,
          {
            table,
            source: n,
            target: counts[table],
          },
        );
      }
    }
    progress({ phase: 'verify', done: 1, total: 3 });
    const report = await dst.artifacts.verifyAll(shas);
    if (report.corrupt.length > 0 || report.missing.length > 0) {
      throw invalid(
        `verification failed: ${report.corrupt.length} corrupt and ${report.missing.length} missing artifacts in the copy`,
        { corrupt: report.corrupt, missing: report.missing },
      );
    }
    progress({ phase: 'verify', done: 2, total: 3 });
    const diff = firstDifference(await storeSnapshot(src), await storeSnapshot(dst));
    if (diff !== null)
      throw invalid(`verification failed: the copy differs from the source at ${diff}`);
    progress({ phase: 'verify', done: 3, total: 3 });

    const parts: MigrateStoreReport['parts'] = [];
    const skipped: MigrateStoreReport['skipped'] = [];
    for (const p of opts.parts ?? PARTS) {
      if (!p.present(src.dir)) continue;
      if (p.copy === undefined) {
        skipped.push({ part: p.name, reason: 'not migrated by this caller' });
        continue;
      }
      parts.push({ part: p.name, ...(await p.copy(src.dir, opts.to)) });
    }
    return {
      from: src.dir,
      to: redactUrl(opts.to),
      sourceStoreId: sourceId,
      resumed,
      artifacts: { total: shas.length, copied, alreadyPresent: shas.length - copied, bytes },
      tables,
      verified: { tables: counts, artifacts: report.checked, deep: true },
      parts,
      skipped,
      ms: Math.round(performance.now() - t0),
    };
  } finally {
    raw.close();
    await db.close();
    await dst?.close();
    await src.close();
  }
}
