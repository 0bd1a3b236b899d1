/**
 * The SQLite registry backend (better-sqlite3): all of the registry's SQL.
 *
 * One connection per process, WAL journal (readers never block the writer),
 * a busy timeout so concurrent writers queue instead of failing, foreign
 * keys on, synchronous=FULL (a registered version survives power loss).
 * Writes that decide something from what they read (allocate a version,
 * move an alias) run in BEGIN IMMEDIATE transactions: the write lock is
 * taken before the read, so two processes can never both see "next is 4".
 * @module
 */
import Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import type {
  AliasMoveRow,
  ImportRows,
  NewEvaluationRow,
  NewRunRow,
  NewVersionRow,
  RegistryBackend,
  RunFinishRow,
  RunRowFilter,
} from '../backend.js';
import { notFound } from '../errors.js';
import { decodeJson, decodeMetrics, encodeJson, encodeMetrics } from '../json.js';
import type {
  AliasMove,
  ArtifactReference,
  EvaluationRecord,
  ModelRecord,
  RunRecord,
  TagChanges,
  VersionRecord,
} from '../types.js';
import { SqliteDeployBackend } from './deploy.js';
import { LATEST_SCHEMA_VERSION, migrate, readSchemaVersion, tooNew } from './migrations.js';
import { enableWal } from './wal.js';

/** How long a writer waits for another process's transaction before REGISTRY_STORE_BUSY. */
export const BUSY_TIMEOUT_MS = 30_000;

export interface SqliteOpenOptions {
  readonly: boolean;
  create: boolean;
  busyTimeoutMs?: number;
}

type Db = Database.Database;
type Row = Record<string, unknown>;

/** Translate SQLite failures into the registry's error codes. */
function mapError(e: unknown, file: string): unknown {
  if (e instanceof SentioError) return e;
  const code = (e as { code?: string })?.code ?? '';
  const message = (e as Error)?.message ?? String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new SentioError(
      'REGISTRY_STORE_BUSY',
      `the store ${file} stayed locked by another process for too long: ${message}`,
      { file },
      { cause: e },
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new SentioError(
      'REGISTRY_STORE_READONLY',
      `cannot write to the store ${file}: ${message}`,
      { file },
      { cause: e },
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new SentioError(
      'REGISTRY_STORE_INVALID',
      `${file} is not a readable Sentio registry: ${message}`,
      { file },
      { cause: e },
    );
  }
  if (code === 'SQLITE_CANTOPEN') {
    return new SentioError(
      'REGISTRY_STORE_NOT_FOUND',
      `cannot open the store ${file}: ${message}`,
      { file },
      { cause: e },
    );
  }
  return e;
}

function connect(file: string, opts: SqliteOpenOptions): Db {
  const db = new Database(file, {
    readonly: opts.readonly,
    fileMustExist: opts.readonly || !opts.create,
    timeout: opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS,
  });
  try {
    if (!opts.readonly) {
      // Persistent in the file; a no-op once set.
      enableWal(db, opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS);
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export function openSqliteBackend(file: string, opts: SqliteOpenOptions): SqliteBackend {
  try {
    if (opts.readonly) {
      let db = connect(file, opts);
      const v = readSchemaVersion(db, file);
      if (v > LATEST_SCHEMA_VERSION) {
        db.close();
        throw tooNew(file, v, LATEST_SCHEMA_VERSION);
      }
      if (v < LATEST_SCHEMA_VERSION) {
        // An older store is migrated forward even by a reader: briefly open it for writing.
        db.close();
        const w = connect(file, { ...opts, readonly: false, create: false });
        try {
          migrate(w, file);
        } finally {
          w.close();
        }
        db = connect(file, opts);
      }
      return new SqliteBackend(db, file);
    }
    const db = connect(file, opts);
    try {
      migrate(db, file);
    } catch (e) {
      db.close();
      throw e;
    }
    return new SqliteBackend(db, file);
  } catch (e) {
    throw mapError(e, file);
  }
}

const RUN_COLUMNS = `r.id, e.name AS experiment, r.status, r.params, r.started_at, r.ended_at,
  r.duration_ms, r.dataset, r.git_commit, r.host, r.pid, r.user, r.sentio_version, r.model, r.version, r.error`;

const VERSION_COLUMNS = `v.id, m.name AS model, v.version, v.created_at, v.run_id, v.model_sha256,
  v.config, v.dataset, v.description`;

export class SqliteBackend implements RegistryBackend {
  readonly name = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();
  private ownWrites = 0;
  readonly deploy: SqliteDeployBackend = new SqliteDeployBackend(this);

  constructor(
    private readonly db: Db,
    readonly file: string,
  ) {}

  /** A cached prepared statement (also used by deploy.ts). */
  q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * Run `fn` with SQLite errors mapped; `write` runs it in a BEGIN IMMEDIATE
   * transaction and counts it for changeToken (SQLite's data_version only
   * moves for other connections' commits).
   */
  exec<T>(fn: () => T, write = false): Promise<T> {
    try {
      if (!write) return Promise.resolve(fn());
      const out = this.db.transaction(fn).immediate();
      this.ownWrites++;
      return Promise.resolve(out);
    } catch (e) {
      return Promise.reject(mapError(e, this.file));
    }
  }

  changeToken(): Promise<string> {
    return this.exec(() => {
      const v = this.db.pragma('data_version', { simple: true }) as number;
      return `${v}.${this.ownWrites}`;
    });
  }

  schemaVersion(): Promise<number> {
    return this.exec(() => readSchemaVersion(this.db, this.file));
  }

  checkIntegrity(): Promise<string[]> {
    return this.exec(() => {
      const problems = (this.db.pragma('integrity_check') as Array<{ integrity_check: string }>)
        .map((r) => r.integrity_check)
        .filter((s) => s !== 'ok');
      for (const fk of this.db.pragma('foreign_key_check') as Row[]) {
        problems.push(`foreign key violation: ${JSON.stringify(fk)}`);
      }
      return problems.length === 0 ? ['ok'] : problems;
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // ── Experiment tracking ─────────────────────────────────────────────────

  private experimentId(name: string, at: string): number {
    this.q(
      'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
    ).run(name, at);
    return (this.q('SELECT id FROM experiments WHERE name = ?').get(name) as { id: number }).id;
  }

  private insertRunRow(row: NewRunRow): void {
    const expId = this.experimentId(row.experiment, row.startedAt);
    this.q(
      `INSERT INTO runs (id, experiment_id, status, params, started_at, dataset, git_commit, host, pid, user, sentio_version)
       VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.id,
      expId,
      encodeJson(row.params),
      row.startedAt,
      row.dataset === null || row.dataset === undefined ? null : encodeJson(row.dataset),
      row.gitCommit,
      row.host,
      row.pid,
      row.user,
      row.sentioVersion,
    );
    const tag = this.q('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?)');
    for (const [k, v] of Object.entries(row.tags)) tag.run(row.id, k, v);
  }

  insertRun(row: NewRunRow): Promise<void> {
    return this.exec(() => this.insertRunRow(row), true);
  }

  private upsertRunMetrics(runId: string, metrics: Record<string, number>, at: string): void {
    const put = this.q(
      `INSERT INTO run_metrics (run_id, key, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    for (const [k, v] of Object.entries(metrics)) put.run(runId, k, Number.isNaN(v) ? null : v, at);
  }

  logRunMetrics(runId: string, metrics: Record<string, number>, at: string): Promise<void> {
    return this.exec(() => {
      if (this.q('SELECT 1 FROM runs WHERE id = ?').get(runId) === undefined)
        throw notFound.run(runId);
      this.upsertRunMetrics(runId, metrics, at);
    }, true);
  }

  finishRun(runId: string, row: RunFinishRow): Promise<boolean> {
    return this.exec(() => {
      if (this.q('SELECT 1 FROM runs WHERE id = ?').get(runId) === undefined)
        throw notFound.run(runId);
      const res = this.q(
        `UPDATE runs SET status = ?, ended_at = ?, duration_ms = ?, error = ?,
           model = coalesce(?, model), version = coalesce(?, version)
         WHERE id = ? AND status = 'running'`,
      ).run(row.status, row.endedAt, row.durationMs, row.error, row.model, row.version, runId);
      return res.changes === 1;
    }, true);
  }

  /** Attach metrics and tags to run rows (two queries for any number of runs). */
  private runRecords(rows: Row[]): RunRecord[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const metrics = new Map<string, Record<string, number>>();
    const tags = new Map<string, Record<string, string>>();
    for (const m of this.q(
      'SELECT run_id, key, value FROM run_metrics WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY key',
    ).all(ids) as Row[]) {
      const id = m.run_id as string;
      const bag = metrics.get(id) ?? {};
      bag[m.key as string] = m.value === null ? Number.NaN : (m.value as number);
      metrics.set(id, bag);
    }
    for (const t of this.q(
      'SELECT run_id, key, value FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY key',
    ).all(ids) as Row[]) {
      const id = t.run_id as string;
      const bag = tags.get(id) ?? {};
      bag[t.key as string] = t.value as string;
      tags.set(id, bag);
    }
    return rows.map((r) => ({
      id: r.id as string,
      experiment: r.experiment as string,
      status: r.status as RunRecord['status'],
      params: (decodeJson(r.params as string) ?? {}) as Record<string, unknown>,
      metrics: metrics.get(r.id as string) ?? {},
      tags: tags.get(r.id as string) ?? {},
      startedAt: r.started_at as string,
      endedAt: (r.ended_at as string | null) ?? null,
      durationMs: (r.duration_ms as number | null) ?? null,
      dataset: decodeJson(r.dataset as string | null),
      gitCommit: (r.git_commit as string | null) ?? null,
      host: r.host as string,
      pid: (r.pid as number | null) ?? null,
      user: r.user as string,
      sentioVersion: r.sentio_version as string,
      model: (r.model as string | null) ?? null,
      version: (r.version as number | null) ?? null,
      error: (r.error as string | null) ?? null,
    }));
  }

  findRuns(idOrPrefix: string, limit: number): Promise<RunRecord[]> {
    return this.exec(() => {
      const base = `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id`;
      const exact = this.q(`${base} WHERE r.id = ?`).all(idOrPrefix) as Row[];
      if (exact.length > 0) return this.runRecords(exact);
      const rows = this.q(
        `${base} WHERE substr(r.id, 1, length(@prefix)) = @prefix ORDER BY r.id LIMIT @limit`,
      ).all({ prefix: idOrPrefix, limit }) as Row[];
      return this.runRecords(rows);
    });
  }

  listRuns(filter: RunRowFilter): Promise<RunRecord[]> {
    return this.exec(() => {
      const rows = this.q(
        `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id
         WHERE (@experiment IS NULL OR e.name = @experiment) AND (@model IS NULL OR r.model = @model)
           AND (@status IS NULL OR r.status = @status)
         ORDER BY r.started_at DESC, r.rowid DESC LIMIT @limit`,
      ).all({
        experiment: filter.experiment ?? null,
        model: filter.model ?? null,
        status: filter.status ?? null,
        limit: filter.limit ?? -1,
      }) as Row[];
      return this.runRecords(rows);
    });
  }

  listExperiments(): Promise<Array<{ name: string; createdAt: string; runs: number }>> {
    return this.exec(() =>
      (
        this.q(
          `SELECT e.name, e.created_at, (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS runs
           FROM experiments e ORDER BY e.name`,
        ).all() as Row[]
      ).map((r) => ({
        name: r.name as string,
        createdAt: r.created_at as string,
        runs: r.runs as number,
      })),
    );
  }

  // ── Models and versions ─────────────────────────────────────────────────

  modelId(name: string): number | null {
    const row = this.q('SELECT id FROM models WHERE name = ?').get(name) as
      | { id: number }
      | undefined;
    return row?.id ?? null;
  }

  versionId(modelId: number, version: number): number | null {
    const row = this.q('SELECT id FROM versions WHERE model_id = ? AND version = ?').get(
      modelId,
      version,
    ) as { id: number } | undefined;
    return row?.id ?? null;
  }

  registerVersion(
    row: NewVersionRow,
    extra: ImportRows = {},
  ): Promise<{ version: number; created: boolean }> {
    return this.exec(() => {
      let modelId = this.modelId(row.model);
      if (modelId === null) {
        modelId = Number(
          this.q('INSERT INTO models (name, description, created_at) VALUES (?, ?, ?)').run(
            row.model,
            extra.modelDescription ?? '',
            row.createdAt,
          ).lastInsertRowid,
        );
        this.setTags('model_tags', 'model_id', modelId, extra.modelTags ?? {});
      }
      // Identity by content: the same model file is the same version.
      const same = this.q(
        'SELECT version FROM versions WHERE model_id = ? AND model_sha256 = ?',
      ).get(modelId, row.modelSha256) as { version: number } | undefined;
      if (same !== undefined) {
        this.finishRunWithVersion(row, same.version);
        return { version: same.version, created: false };
      }

      if (
        row.runId !== null &&
        this.q('SELECT 1 FROM runs WHERE id = ?').get(row.runId) === undefined
      ) {
        if (extra.run?.id !== row.runId) throw notFound.run(row.runId);
        this.insertImportedRun(extra.run);
      }
      const { version } = this.q(
        'UPDATE models SET next_version = next_version + 1 WHERE id = ? RETURNING next_version - 1 AS version',
      ).get(modelId) as { version: number };
      const versionId = Number(
        this.q(
          `INSERT INTO versions (model_id, version, created_at, run_id, model_sha256, config, dataset, description)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          modelId,
          version,
          row.createdAt,
          row.runId,
          row.modelSha256,
          encodeJson(row.config),
          row.dataset === null || row.dataset === undefined ? null : encodeJson(row.dataset),
          row.description,
        ).lastInsertRowid,
      );
      const art = this.q(
        'INSERT INTO version_artifacts (version_id, name, sha256) VALUES (?, ?, ?)',
      );
      for (const [name, sha] of Object.entries(row.artifacts)) art.run(versionId, name, sha);
      const met = this.q('INSERT INTO version_metrics (version_id, key, value) VALUES (?, ?, ?)');
      for (const [k, v] of Object.entries(row.metrics))
        met.run(versionId, k, Number.isNaN(v) ? null : v);
      this.setTags('version_tags', 'version_id', versionId, row.tags);
      for (const ev of extra.evaluations ?? []) {
        this.q(
          'INSERT INTO evaluations (version_id, at, dataset, metrics, report_sha256) VALUES (?, ?, ?, ?, ?)',
        ).run(versionId, ev.at, encodeJson(ev.dataset), encodeMetrics(ev.metrics), ev.reportSha256);
      }
      this.finishRunWithVersion(row, version);
      return { version, created: true };
    }, true);
  }

  /** Inside registerVersion's transaction: close the run that produced it. */
  private finishRunWithVersion(row: NewVersionRow, version: number): void {
    if (!row.finishRun || row.runId === null) return;
    this.q(
      `UPDATE runs SET status = 'finished', ended_at = ?,
         duration_ms = max(0, CAST(round((julianday(?) - julianday(started_at)) * 86400000) AS INTEGER)),
         model = ?, version = ?
       WHERE id = ? AND status = 'running'`,
    ).run(row.createdAt, row.createdAt, row.model, version, row.runId);
  }

  /** A run copied from another store, with its metrics and tags, as it was. */
  private insertImportedRun(run: RunRecord): void {
    this.insertRunRow({
      id: run.id,
      experiment: run.experiment,
      params: run.params,
      tags: run.tags,
      startedAt: run.startedAt,
      dataset: run.dataset,
      gitCommit: run.gitCommit,
      host: run.host,
      pid: run.pid ?? null, // absent in exports from before pids were recorded
      user: run.user,
      sentioVersion: run.sentioVersion,
    });
    this.upsertRunMetrics(run.id, run.metrics, run.endedAt ?? run.startedAt);
    this.q(
      'UPDATE runs SET status = ?, ended_at = ?, duration_ms = ?, error = ?, model = ?, version = ? WHERE id = ?',
    ).run(run.status, run.endedAt, run.durationMs, run.error, run.model, run.version, run.id);
  }

  private setTags(
    table: 'model_tags' | 'version_tags',
    key: string,
    id: number,
    tags: TagChanges,
  ): void {
    const put = this.q(
      `INSERT INTO ${table} (${key}, key, value) VALUES (?, ?, ?)
       ON CONFLICT (${key}, key) DO UPDATE SET value = excluded.value`,
    );
    const del = this.q(`DELETE FROM ${table} WHERE ${key} = ? AND key = ?`);
    for (const [k, v] of Object.entries(tags)) {
      if (v === null) del.run(id, k);
      else put.run(id, k, v);
    }
  }

  private modelRecords(rows: Row[]): ModelRecord[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const tags = new Map<number, Record<string, string>>();
    for (const t of this.q(
      'SELECT model_id, key, value FROM model_tags WHERE model_id IN (SELECT value FROM json_each(?)) ORDER BY key',
    ).all(ids) as Row[]) {
      const bag = tags.get(t.model_id as number) ?? {};
      bag[t.key as string] = t.value as string;
      tags.set(t.model_id as number, bag);
    }
    const aliases = new Map<number, Record<string, number>>();
    for (const a of this.q(
      `SELECT a.model_id, a.alias, v.version FROM aliases a JOIN versions v ON v.id = a.version_id
       WHERE a.model_id IN (SELECT value FROM json_each(?)) ORDER BY a.alias`,
    ).all(ids) as Row[]) {
      const bag = aliases.get(a.model_id as number) ?? {};
      bag[a.alias as string] = a.version as number;
      aliases.set(a.model_id as number, bag);
    }
    return rows.map((r) => ({
      name: r.name as string,
      description: r.description as string,
      tags: tags.get(r.id as number) ?? {},
      createdAt: r.created_at as string,
      latestVersion: (r.latest as number | null) ?? null,
      versions: r.n as number,
      aliases: aliases.get(r.id as number) ?? {},
    }));
  }

  private static readonly MODEL_SELECT = `SELECT m.id, m.name, m.description, m.created_at,
    (SELECT max(version) FROM versions v WHERE v.model_id = m.id) AS latest,
    (SELECT count(*) FROM versions v WHERE v.model_id = m.id) AS n FROM models m`;

  getModel(name: string): Promise<ModelRecord | null> {
    return this.exec(
      () =>
        this.modelRecords(
          this.q(`${SqliteBackend.MODEL_SELECT} WHERE m.name = ?`).all(name) as Row[],
        )[0] ?? null,
    );
  }

  listModels(): Promise<ModelRecord[]> {
    return this.exec(() =>
      this.modelRecords(this.q(`${SqliteBackend.MODEL_SELECT} ORDER BY m.name`).all() as Row[]),
    );
  }

  private versionRecords(rows: Row[]): VersionRecord[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.id));
    const group = <T>(sql: string, put: (bag: Record<string, T>, r: Row) => void) => {
      const out = new Map<number, Record<string, T>>();
      for (const r of this.q(sql).all(ids) as Row[]) {
        const bag = out.get(r.version_id as number) ?? {};
        put(bag, r);
        out.set(r.version_id as number, bag);
      }
      return out;
    };
    const inIds = 'IN (SELECT value FROM json_each(?))';
    const artifacts = group<string>(
      `SELECT version_id, name, sha256 FROM version_artifacts WHERE version_id ${inIds} ORDER BY name`,
      (b, r) => {
        b[r.name as string] = r.sha256 as string;
      },
    );
    const metrics = group<number>(
      `SELECT version_id, key, value FROM version_metrics WHERE version_id ${inIds} ORDER BY key`,
      (b, r) => {
        b[r.key as string] = r.value === null ? Number.NaN : (r.value as number);
      },
    );
    const tags = group<string>(
      `SELECT version_id, key, value FROM version_tags WHERE version_id ${inIds} ORDER BY key`,
      (b, r) => {
        b[r.key as string] = r.value as string;
      },
    );
    const aliases = new Map<number, string[]>();
    for (const a of this.q(
      `SELECT version_id, alias FROM aliases WHERE version_id ${inIds} ORDER BY alias`,
    ).all(ids) as Row[]) {
      const list = aliases.get(a.version_id as number) ?? [];
      list.push(a.alias as string);
      aliases.set(a.version_id as number, list);
    }
    return rows.map((r) => {
      const id = r.id as number;
      return {
        model: r.model as string,
        version: r.version as number,
        createdAt: r.created_at as string,
        runId: (r.run_id as string | null) ?? null,
        modelSha256: r.model_sha256 as string,
        artifacts: artifacts.get(id) ?? {},
        metrics: metrics.get(id) ?? {},
        config: decodeJson(r.config as string),
        dataset: decodeJson(r.dataset as string | null),
        description: r.description as string,
        tags: tags.get(id) ?? {},
        aliases: aliases.get(id) ?? [],
      };
    });
  }

  getVersion(model: string, version: number): Promise<VersionRecord | null> {
    return this.exec(
      () =>
        this.versionRecords(
          this.q(
            `SELECT ${VERSION_COLUMNS} FROM versions v JOIN models m ON m.id = v.model_id
             WHERE m.name = ? AND v.version = ?`,
          ).all(model, version) as Row[],
        )[0] ?? null,
    );
  }

  listVersions(model: string): Promise<VersionRecord[]> {
    return this.exec(() =>
      this.versionRecords(
        this.q(
          `SELECT ${VERSION_COLUMNS} FROM versions v JOIN models m ON m.id = v.model_id
           WHERE m.name = ? ORDER BY v.version`,
        ).all(model) as Row[],
      ),
    );
  }

  aliasTarget(model: string, alias: string): Promise<number | null> {
    return this.exec(() => {
      const row = this.q(
        `SELECT v.version FROM aliases a JOIN models m ON m.id = a.model_id JOIN versions v ON v.id = a.version_id
         WHERE m.name = ? AND a.alias = ?`,
      ).get(model, alias) as { version: number } | undefined;
      return row?.version ?? null;
    });
  }

  updateModel(name: string, change: { description?: string; tags?: TagChanges }): Promise<boolean> {
    return this.exec(() => {
      const id = this.modelId(name);
      if (id === null) return false;
      if (change.description !== undefined) {
        this.q('UPDATE models SET description = ? WHERE id = ?').run(change.description, id);
      }
      if (change.tags) this.setTags('model_tags', 'model_id', id, change.tags);
      return true;
    }, true);
  }

  updateVersion(
    model: string,
    version: number,
    change: { description?: string; tags?: TagChanges },
  ): Promise<boolean> {
    return this.exec(() => {
      const mid = this.modelId(model);
      const vid = mid === null ? null : this.versionId(mid, version);
      if (vid === null) return false;
      if (change.description !== undefined) {
        this.q('UPDATE versions SET description = ? WHERE id = ?').run(change.description, vid);
      }
      if (change.tags) this.setTags('version_tags', 'version_id', vid, change.tags);
      return true;
    }, true);
  }

  // ── Aliases ─────────────────────────────────────────────────────────────

  moveAlias(row: AliasMoveRow): Promise<AliasMove> {
    return this.exec(() => this.moveAliasTx(row), true);
  }

  /** The alias move's statements, for use inside a write transaction (also by deploy.ts). */
  moveAliasTx(row: AliasMoveRow): AliasMove {
    const mid = this.modelId(row.model);
    if (mid === null) throw notFound.model(row.model);
    const current = this.q(
      'SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?',
    ).get(mid, row.alias) as { version: number } | undefined;
    if (row.toVersion === null) {
      if (current === undefined) throw notFound.alias(row.model, row.alias);
      this.q('DELETE FROM aliases WHERE model_id = ? AND alias = ?').run(mid, row.alias);
    } else {
      const vid = this.versionId(mid, row.toVersion);
      if (vid === null) throw notFound.version(row.model, row.toVersion);
      this.q(
        `INSERT INTO aliases (model_id, alias, version_id, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, updated_at = excluded.updated_at`,
      ).run(mid, row.alias, vid, row.at);
    }
    const fromVersion = current?.version ?? null;
    const details =
      row.details === null || row.details === undefined ? null : encodeJson(row.details);
    const id = Number(
      this.q(
        `INSERT INTO alias_history (model_id, alias, from_version, to_version, at, who, reason, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(mid, row.alias, fromVersion, row.toVersion, row.at, row.who, row.reason, details)
        .lastInsertRowid,
    );
    return {
      id,
      model: row.model,
      alias: row.alias,
      fromVersion,
      toVersion: row.toVersion,
      at: row.at,
      who: row.who,
      reason: row.reason,
      details: details === null ? null : decodeJson(details),
    };
  }

  aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    return this.exec(() => {
      if (this.modelId(model) === null) throw notFound.model(model);
      return (
        this.q(
          `SELECT h.id, m.name AS model, h.alias, h.from_version, h.to_version, h.at, h.who, h.reason, h.details
           FROM alias_history h JOIN models m ON m.id = h.model_id
           WHERE m.name = @model AND (@alias IS NULL OR h.alias = @alias) ORDER BY h.id`,
        ).all({ model, alias: alias ?? null }) as Row[]
      ).map((r) => ({
        id: r.id as number,
        model: r.model as string,
        alias: r.alias as string,
        fromVersion: (r.from_version as number | null) ?? null,
        toVersion: (r.to_version as number | null) ?? null,
        at: r.at as string,
        who: r.who as string,
        reason: (r.reason as string | null) ?? null,
        details: decodeJson(r.details as string | null),
      }));
    });
  }

  // ── Evaluations ─────────────────────────────────────────────────────────

  private evaluationRecord(r: Row): EvaluationRecord {
    return {
      id: r.id as number,
      model: r.model as string,
      version: r.version as number,
      at: r.at as string,
      dataset: decodeJson(r.dataset as string),
      metrics: decodeMetrics(r.metrics as string),
      reportSha256: (r.report_sha256 as string | null) ?? null,
    };
  }

  insertEvaluation(row: NewEvaluationRow): Promise<EvaluationRecord> {
    return this.exec(() => {
      const mid = this.modelId(row.model);
      if (mid === null) throw notFound.model(row.model);
      const vid = this.versionId(mid, row.version);
      if (vid === null) throw notFound.version(row.model, row.version);
      const id = Number(
        this.q(
          'INSERT INTO evaluations (version_id, at, dataset, metrics, report_sha256) VALUES (?, ?, ?, ?, ?)',
        ).run(vid, row.at, encodeJson(row.dataset), encodeMetrics(row.metrics), row.reportSha256)
          .lastInsertRowid,
      );
      return this.evaluationRecord({
        id,
        model: row.model,
        version: row.version,
        at: row.at,
        dataset: encodeJson(row.dataset),
        metrics: encodeMetrics(row.metrics),
        report_sha256: row.reportSha256,
      });
    }, true);
  }

  listEvaluations(model: string, version?: number): Promise<EvaluationRecord[]> {
    return this.exec(() =>
      (
        this.q(
          `SELECT e.id, m.name AS model, v.version, e.at, e.dataset, e.metrics, e.report_sha256
           FROM evaluations e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id
           WHERE m.name = @model AND (@version IS NULL OR v.version = @version) ORDER BY e.id`,
        ).all({ model, version: version ?? null }) as Row[]
      ).map((r) => this.evaluationRecord(r)),
    );
  }

  // ── Artifacts ───────────────────────────────────────────────────────────

  artifactReferences(): Promise<ArtifactReference[]> {
    return this.exec(() =>
      (
        this.q(
          `SELECT a.sha256, m.name AS model, v.version, a.name
           FROM version_artifacts a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id
           UNION ALL
           SELECT e.report_sha256, m.name, v.version, 'evaluation:' || e.id
           FROM evaluations e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id
           WHERE e.report_sha256 IS NOT NULL
           ORDER BY 2, 3, 4`,
        ).all() as Row[]
      ).map((r) => ({
        sha256: r.sha256 as string,
        model: r.model as string,
        version: r.version as number,
        name: r.name as string,
      })),
    );
  }
}

/** For tests and tools: the raw connection's file and a way to run SQL on a closed store. */
export function openRawDatabase(file: string): Db {
  return new Database(file, { timeout: BUSY_TIMEOUT_MS });
}
