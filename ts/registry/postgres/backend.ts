/**
 * The PostgreSQL registry backend: the same contract as sqlite/backend.ts
 * (../backend.ts), for a store shared by many hosts.
 *
 * Where SQLite takes the one database write lock (BEGIN IMMEDIATE), this
 * backend locks the rows a decision depends on, inside one transaction:
 * registering a version locks its model row (`SELECT … FOR UPDATE`) before
 * looking for the same model file and taking `next_version`, so writers on
 * any number of hosts get distinct, gap-free numbers; an alias move locks
 * the model row too, so its history is a chain (each move's "from" is the
 * previous move's "to"). Everything else is a single atomic statement or an
 * upsert. See database.ts for retries and the change counter.
 * @module
 */
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
  RegistryChangeEvent,
  RunRecord,
  TagChanges,
  VersionRecord,
} from '../types.js';
import { ChangeListener } from './change-listener.js';
import type { PgDatabase, Row, Tx } from './database.js';
import { PgDeployBackend } from './deploy.js';
import { readPgSchemaVersion } from './migrations.js';

const RUN_COLUMNS = `r.id, e.name AS experiment, r.status, r.params, r.started_at, r.ended_at,
  r.duration_ms, r.dataset, r.git_commit, r.host, r.pid, r.user_name, r.sentio_version, r.model, r.version, r.error`;

const VERSION_COLUMNS = `v.id, m.name AS model, v.version, v.created_at, v.run_id, v.model_sha256,
  v.config, v.dataset, v.description`;

const MODEL_SELECT = `SELECT m.id, m.name, m.description, m.created_at,
  (SELECT max(version) FROM versions v WHERE v.model_id = m.id) AS latest,
  (SELECT count(*) FROM versions v WHERE v.model_id = m.id) AS n FROM models m`;

/** JSON text for a nullable document column. */
export const jsonOrNull = (v: unknown): string | null =>
  v === null || v === undefined ? null : encodeJson(v);

/** A metric value as stored (NaN travels natively in double precision; null reads as NaN). */
const metricOut = (v: unknown): number => (v === null ? Number.NaN : (v as number));

export async function rows(tx: Tx, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await tx.query(sql, params)).rows as Row[];
}

export async function first(tx: Tx, sql: string, params: unknown[] = []): Promise<Row | undefined> {
  return (await tx.query(sql, params)).rows[0] as Row | undefined;
}

function group<T>(
  list: Row[],
  key: string,
  put: (bag: Record<string, T>, r: Row) => void,
): Map<unknown, Record<string, T>> {
  const out = new Map<unknown, Record<string, T>>();
  for (const r of list) {
    const bag = out.get(r[key]) ?? {};
    put(bag, r);
    out.set(r[key], bag);
  }
  return out;
}

export class PgBackend implements RegistryBackend {
  readonly name = 'postgres';
  readonly deploy: PgDeployBackend = new PgDeployBackend(this);

  constructor(readonly db: PgDatabase) {}

  /** A LISTEN connection of its own, reconnecting with backoff (change-listener.ts). */
  watchChanges(onEvent: (e: RegistryChangeEvent) => void): { close(): Promise<void> } {
    const listener = new ChangeListener(this.db.url, onEvent);
    return { close: () => listener.close() };
  }

  async changeToken(): Promise<string> {
    const r = await this.db.query<{ counter: number }>('SELECT counter FROM store_changes');
    return `pg.${r[0]?.counter ?? 0}`;
  }

  schemaVersion(): Promise<number> {
    return this.db.read((tx) => readPgSchemaVersion(tx, this.db.store));
  }

  async checkIntegrity(): Promise<string[]> {
    return this.db.read(async (tx) => {
      const problems: string[] = [];
      const checks: Array<[string, string]> = [
        [
          'alias pointing at another model’s version',
          'SELECT count(*) AS n FROM aliases a JOIN versions v ON v.id = a.version_id WHERE v.model_id <> a.model_id',
        ],
        [
          'version numbered at or past its model’s next_version',
          'SELECT count(*) AS n FROM versions v JOIN models m ON m.id = v.model_id WHERE v.version >= m.next_version',
        ],
      ];
      for (const [what, sql] of checks) {
        const n = ((await first(tx, sql))?.n as number) ?? 0;
        if (n > 0) problems.push(`${n} ${what}`);
      }
      return problems.length === 0 ? ['ok'] : problems;
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ── Experiment tracking ─────────────────────────────────────────────────

  private async experimentId(tx: Tx, name: string, at: string): Promise<number> {
    await tx.query(
      'INSERT INTO experiments (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
      [name, at],
    );
    return (await first(tx, 'SELECT id FROM experiments WHERE name = $1', [name]))?.id as number;
  }

  /** Insert a run row with its tags (also used by the store migration). */
  async insertRunRow(tx: Tx, row: NewRunRow): Promise<void> {
    const expId = await this.experimentId(tx, row.experiment, row.startedAt);
    await tx.query(
      `INSERT INTO runs (id, experiment_id, status, params, started_at, dataset, git_commit, host, pid, user_name, sentio_version)
       VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        row.id,
        expId,
        encodeJson(row.params),
        row.startedAt,
        jsonOrNull(row.dataset),
        row.gitCommit,
        row.host,
        row.pid,
        row.user,
        row.sentioVersion,
      ],
    );
    await this.putTags(tx, 'run_tags', 'run_id', row.id, row.tags);
  }

  insertRun(row: NewRunRow): Promise<void> {
    return this.db.write((tx) => this.insertRunRow(tx, row));
  }

  async upsertRunMetrics(
    tx: Tx,
    runId: string,
    metrics: Record<string, number>,
    at: string,
  ): Promise<void> {
    const keys = Object.keys(metrics);
    if (keys.length === 0) return;
    await tx.query(
      `INSERT INTO run_metrics (run_id, key, value, updated_at)
       SELECT $1, k, v, $4 FROM unnest($2::text[], $3::float8[]) AS t(k, v)
       ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [runId, keys, keys.map((k) => metrics[k]), at],
    );
  }

  logRunMetrics(runId: string, metrics: Record<string, number>, at: string): Promise<void> {
    return this.db.write(async (tx) => {
      if ((await first(tx, 'SELECT 1 FROM runs WHERE id = $1', [runId])) === undefined)
        throw notFound.run(runId);
      await this.upsertRunMetrics(tx, runId, metrics, at);
    });
  }

  finishRun(runId: string, row: RunFinishRow): Promise<boolean> {
    return this.db.write(async (tx) => {
      if ((await first(tx, 'SELECT 1 FROM runs WHERE id = $1', [runId])) === undefined)
        throw notFound.run(runId);
      const res = await tx.query(
        `UPDATE runs SET status = $1, ended_at = $2, duration_ms = $3, error = $4,
           model = coalesce($5, model), version = coalesce($6, version)
         WHERE id = $7 AND status = 'running'`,
        [row.status, row.endedAt, row.durationMs, row.error, row.model, row.version, runId],
      );
      return res.rowCount === 1;
    });
  }

  private async runRecords(tx: Tx, list: Row[]): Promise<RunRecord[]> {
    if (list.length === 0) return [];
    const ids = list.map((r) => r.id as string);
    const metrics = group<number>(
      await rows(
        tx,
        'SELECT run_id, key, value FROM run_metrics WHERE run_id = ANY($1) ORDER BY key COLLATE "C"',
        [ids],
      ),
      'run_id',
      (b, r) => {
        b[r.key as string] = metricOut(r.value);
      },
    );
    const tags = group<string>(
      await rows(
        tx,
        'SELECT run_id, key, value FROM run_tags WHERE run_id = ANY($1) ORDER BY key COLLATE "C"',
        [ids],
      ),
      'run_id',
      (b, r) => {
        b[r.key as string] = r.value as string;
      },
    );
    return list.map((r) => ({
      id: r.id as string,
      experiment: r.experiment as string,
      status: r.status as RunRecord['status'],
      params: (decodeJson(r.params as string) ?? {}) as Record<string, unknown>,
      metrics: metrics.get(r.id) ?? {},
      tags: tags.get(r.id) ?? {},
      startedAt: r.started_at as string,
      endedAt: (r.ended_at as string | null) ?? null,
      durationMs: (r.duration_ms as number | null) ?? null,
      dataset: decodeJson(r.dataset as string | null),
      gitCommit: (r.git_commit as string | null) ?? null,
      host: r.host as string,
      pid: (r.pid as number | null) ?? null,
      user: r.user_name as string,
      sentioVersion: r.sentio_version as string,
      model: (r.model as string | null) ?? null,
      version: (r.version as number | null) ?? null,
      error: (r.error as string | null) ?? null,
    }));
  }

  findRuns(idOrPrefix: string, limit: number): Promise<RunRecord[]> {
    return this.db.read(async (tx) => {
      const base = `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id`;
      const exact = await rows(tx, `${base} WHERE r.id = $1`, [idOrPrefix]);
      if (exact.length > 0) return this.runRecords(tx, exact);
      return this.runRecords(
        tx,
        await rows(
          tx,
          `${base} WHERE left(r.id, length($1)) = $1 ORDER BY r.id COLLATE "C" LIMIT $2`,
          [idOrPrefix, limit],
        ),
      );
    });
  }

  listRuns(filter: RunRowFilter): Promise<RunRecord[]> {
    return this.db.read(async (tx) =>
      this.runRecords(
        tx,
        await rows(
          tx,
          `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id
           WHERE ($1::text IS NULL OR e.name = $1) AND ($2::text IS NULL OR r.model = $2)
             AND ($3::text IS NULL OR r.status = $3)
           ORDER BY r.started_at DESC, r.seq DESC LIMIT $4`,
          [
            filter.experiment ?? null,
            filter.model ?? null,
            filter.status ?? null,
            filter.limit ?? null,
          ],
        ),
      ),
    );
  }

  listExperiments(): Promise<Array<{ name: string; createdAt: string; runs: number }>> {
    return this.db.read(async (tx) =>
      (
        await rows(
          tx,
          `SELECT e.name, e.created_at, (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS runs
           FROM experiments e ORDER BY e.name COLLATE "C"`,
        )
      ).map((r) => ({
        name: r.name as string,
        createdAt: r.created_at as string,
        runs: r.runs as number,
      })),
    );
  }

  // ── Models and versions ─────────────────────────────────────────────────

  async modelId(tx: Tx, name: string, lock = false): Promise<number | null> {
    const r = await first(tx, `SELECT id FROM models WHERE name = $1${lock ? ' FOR UPDATE' : ''}`, [
      name,
    ]);
    return (r?.id as number | undefined) ?? null;
  }

  async versionId(tx: Tx, modelId: number, version: number): Promise<number | null> {
    const r = await first(tx, 'SELECT id FROM versions WHERE model_id = $1 AND version = $2', [
      modelId,
      version,
    ]);
    return (r?.id as number | undefined) ?? null;
  }

  registerVersion(
    row: NewVersionRow,
    extra: ImportRows = {},
  ): Promise<{ version: number; created: boolean }> {
    return this.db.write(async (tx) => {
      const inserted = await first(
        tx,
        `INSERT INTO models (name, description, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO NOTHING RETURNING id`,
        [row.model, extra.modelDescription ?? '', row.createdAt],
      );
      if (inserted !== undefined) {
        await this.putTags(tx, 'model_tags', 'model_id', inserted.id, extra.modelTags ?? {});
      }
      // The allocation lock: every writer of this model queues here, on any host.
      const locked = await first(
        tx,
        'SELECT id, next_version FROM models WHERE name = $1 FOR UPDATE',
        [row.model],
      );
      const modelId = locked?.id as number;
      // Identity by content: the same model file is the same version.
      const same = await first(
        tx,
        'SELECT version FROM versions WHERE model_id = $1 AND model_sha256 = $2',
        [modelId, row.modelSha256],
      );
      if (same !== undefined) {
        await this.finishRunWithVersion(tx, row, same.version as number);
        return { version: same.version as number, created: false };
      }
      if (
        row.runId !== null &&
        (await first(tx, 'SELECT 1 FROM runs WHERE id = $1', [row.runId])) === undefined
      ) {
        if (extra.run?.id !== row.runId) throw notFound.run(row.runId);
        await this.insertImportedRun(tx, extra.run);
      }
      const version = locked?.next_version as number;
      await tx.query('UPDATE models SET next_version = next_version + 1 WHERE id = $1', [modelId]);
      const versionId = (
        await first(
          tx,
          `INSERT INTO versions (model_id, version, created_at, run_id, model_sha256, config, dataset, description)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            modelId,
            version,
            row.createdAt,
            row.runId,
            row.modelSha256,
            encodeJson(row.config),
            jsonOrNull(row.dataset),
            row.description,
          ],
        )
      )?.id as number;
      await this.insertVersionChildren(tx, versionId, row.artifacts, row.metrics);
      await this.putTags(tx, 'version_tags', 'version_id', versionId, row.tags);
      for (const ev of extra.evaluations ?? []) {
        await tx.query(
          'INSERT INTO evaluations (version_id, at, dataset, metrics, report_sha256) VALUES ($1, $2, $3, $4, $5)',
          [versionId, ev.at, encodeJson(ev.dataset), encodeMetrics(ev.metrics), ev.reportSha256],
        );
      }
      await this.finishRunWithVersion(tx, row, version);
      return { version, created: true };
    });
  }

  /** A version's artifact map and metrics (also used by the store migration). */
  async insertVersionChildren(
    tx: Tx,
    versionId: number,
    artifacts: Record<string, string>,
    metrics: Record<string, number>,
  ): Promise<void> {
    const names = Object.keys(artifacts);
    if (names.length > 0) {
      await tx.query(
        `INSERT INTO version_artifacts (version_id, name, sha256)
         SELECT $1, n, s FROM unnest($2::text[], $3::text[]) AS t(n, s)`,
        [versionId, names, names.map((n) => artifacts[n])],
      );
    }
    const keys = Object.keys(metrics);
    if (keys.length > 0) {
      await tx.query(
        `INSERT INTO version_metrics (version_id, key, value)
         SELECT $1, k, v FROM unnest($2::text[], $3::float8[]) AS t(k, v)`,
        [versionId, keys, keys.map((k) => metrics[k])],
      );
    }
  }

  /** Inside registerVersion's transaction: close the run that produced it. */
  private async finishRunWithVersion(tx: Tx, row: NewVersionRow, version: number): Promise<void> {
    if (!row.finishRun || row.runId === null) return;
    await tx.query(
      `UPDATE runs SET status = 'finished', ended_at = $1::timestamptz,
         duration_ms = greatest(0, round(extract(epoch FROM ($1::timestamptz - started_at)) * 1000))::bigint,
         model = $2, version = $3
       WHERE id = $4 AND status = 'running'`,
      [row.createdAt, row.model, version, row.runId],
    );
  }

  /** A run copied from another store, with its metrics and tags, as it was. */
  async insertImportedRun(tx: Tx, run: RunRecord): Promise<void> {
    await this.insertRunRow(tx, {
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
    await this.upsertRunMetrics(tx, run.id, run.metrics, run.endedAt ?? run.startedAt);
    await tx.query(
      'UPDATE runs SET status = $1, ended_at = $2, duration_ms = $3, error = $4, model = $5, version = $6 WHERE id = $7',
      [run.status, run.endedAt, run.durationMs, run.error, run.model, run.version, run.id],
    );
  }

  /** Set (string) or remove (null) tags of one owner row. */
  async putTags(
    tx: Tx,
    table: 'model_tags' | 'version_tags' | 'run_tags',
    key: 'model_id' | 'version_id' | 'run_id',
    id: unknown,
    tags: TagChanges,
  ): Promise<void> {
    const set = Object.entries(tags).filter((e): e is [string, string] => e[1] !== null);
    const del = Object.entries(tags)
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    if (del.length > 0) {
      await tx.query(`DELETE FROM ${table} WHERE ${key} = $1 AND key = ANY($2)`, [id, del]);
    }
    if (set.length > 0) {
      await tx.query(
        `INSERT INTO ${table} (${key}, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
         ON CONFLICT (${key}, key) DO UPDATE SET value = excluded.value`,
        [id, set.map(([k]) => k), set.map(([, v]) => v)],
      );
    }
  }

  private async modelRecords(tx: Tx, list: Row[]): Promise<ModelRecord[]> {
    if (list.length === 0) return [];
    const ids = list.map((r) => r.id);
    const tags = group<string>(
      await rows(
        tx,
        'SELECT model_id, key, value FROM model_tags WHERE model_id = ANY($1) ORDER BY key COLLATE "C"',
        [ids],
      ),
      'model_id',
      (b, r) => {
        b[r.key as string] = r.value as string;
      },
    );
    const aliases = group<number>(
      await rows(
        tx,
        `SELECT a.model_id, a.alias, v.version FROM aliases a JOIN versions v ON v.id = a.version_id
         WHERE a.model_id = ANY($1) ORDER BY a.alias COLLATE "C"`,
        [ids],
      ),
      'model_id',
      (b, r) => {
        b[r.alias as string] = r.version as number;
      },
    );
    return list.map((r) => ({
      name: r.name as string,
      description: r.description as string,
      tags: tags.get(r.id) ?? {},
      createdAt: r.created_at as string,
      latestVersion: (r.latest as number | null) ?? null,
      versions: r.n as number,
      aliases: aliases.get(r.id) ?? {},
    }));
  }

  getModel(name: string): Promise<ModelRecord | null> {
    return this.db.read(
      async (tx) =>
        (
          await this.modelRecords(tx, await rows(tx, `${MODEL_SELECT} WHERE m.name = $1`, [name]))
        )[0] ?? null,
    );
  }

  listModels(): Promise<ModelRecord[]> {
    return this.db.read(async (tx) =>
      this.modelRecords(tx, await rows(tx, `${MODEL_SELECT} ORDER BY m.name COLLATE "C"`)),
    );
  }

  private async versionRecords(tx: Tx, list: Row[]): Promise<VersionRecord[]> {
    if (list.length === 0) return [];
    const ids = list.map((r) => r.id);
    const artifacts = group<string>(
      await rows(
        tx,
        'SELECT version_id, name, sha256 FROM version_artifacts WHERE version_id = ANY($1) ORDER BY name COLLATE "C"',
        [ids],
      ),
      'version_id',
      (b, r) => {
        b[r.name as string] = r.sha256 as string;
      },
    );
    const metrics = group<number>(
      await rows(
        tx,
        'SELECT version_id, key, value FROM version_metrics WHERE version_id = ANY($1) ORDER BY key COLLATE "C"',
        [ids],
      ),
      'version_id',
      (b, r) => {
        b[r.key as string] = metricOut(r.value);
      },
    );
    const tags = group<string>(
      await rows(
        tx,
        'SELECT version_id, key, value FROM version_tags WHERE version_id = ANY($1) ORDER BY key COLLATE "C"',
        [ids],
      ),
      'version_id',
      (b, r) => {
        b[r.key as string] = r.value as string;
      },
    );
    const aliases = new Map<unknown, string[]>();
    for (const a of await rows(
      tx,
      'SELECT version_id, alias FROM aliases WHERE version_id = ANY($1) ORDER BY alias COLLATE "C"',
      [ids],
    )) {
      const names = aliases.get(a.version_id) ?? [];
      names.push(a.alias as string);
      aliases.set(a.version_id, names);
    }
    return list.map((r) => ({
      model: r.model as string,
      version: r.version as number,
      createdAt: r.created_at as string,
      runId: (r.run_id as string | null) ?? null,
      modelSha256: r.model_sha256 as string,
      artifacts: artifacts.get(r.id) ?? {},
      metrics: metrics.get(r.id) ?? {},
      config: decodeJson(r.config as string),
      dataset: decodeJson(r.dataset as string | null),
      description: r.description as string,
      tags: tags.get(r.id) ?? {},
      aliases: aliases.get(r.id) ?? [],
    }));
  }

  getVersion(model: string, version: number): Promise<VersionRecord | null> {
    return this.db.read(
      async (tx) =>
        (
          await this.versionRecords(
            tx,
            await rows(
              tx,
              `SELECT ${VERSION_COLUMNS} FROM versions v JOIN models m ON m.id = v.model_id
               WHERE m.name = $1 AND v.version = $2`,
              [model, version],
            ),
          )
        )[0] ?? null,
    );
  }

  listVersions(model: string): Promise<VersionRecord[]> {
    return this.db.read(async (tx) =>
      this.versionRecords(
        tx,
        await rows(
          tx,
          `SELECT ${VERSION_COLUMNS} FROM versions v JOIN models m ON m.id = v.model_id
           WHERE m.name = $1 ORDER BY v.version`,
          [model],
        ),
      ),
    );
  }

  async aliasTarget(model: string, alias: string): Promise<number | null> {
    const r = await this.db.query(
      `SELECT v.version FROM aliases a JOIN models m ON m.id = a.model_id JOIN versions v ON v.id = a.version_id
       WHERE m.name = $1 AND a.alias = $2`,
      [model, alias],
    );
    return (r[0]?.version as number | undefined) ?? null;
  }

  updateModel(name: string, change: { description?: string; tags?: TagChanges }): Promise<boolean> {
    return this.db.write(async (tx) => {
      const id = await this.modelId(tx, name);
      if (id === null) return false;
      if (change.description !== undefined) {
        await tx.query('UPDATE models SET description = $1 WHERE id = $2', [
          change.description,
          id,
        ]);
      }
      if (change.tags) await this.putTags(tx, 'model_tags', 'model_id', id, change.tags);
      return true;
    });
  }

  updateVersion(
    model: string,
    version: number,
    change: { description?: string; tags?: TagChanges },
  ): Promise<boolean> {
    return this.db.write(async (tx) => {
      const mid = await this.modelId(tx, model);
      const vid = mid === null ? null : await this.versionId(tx, mid, version);
      if (vid === null) return false;
      if (change.description !== undefined) {
        await tx.query('UPDATE versions SET description = $1 WHERE id = $2', [
          change.description,
          vid,
        ]);
      }
      if (change.tags) await this.putTags(tx, 'version_tags', 'version_id', vid, change.tags);
      return true;
    });
  }

  // ── Aliases ─────────────────────────────────────────────────────────────

  moveAlias(row: AliasMoveRow): Promise<AliasMove> {
    return this.db.write((tx) => this.moveAliasTx(tx, row));
  }

  /** The current target of an alias (inside a transaction that holds the model row lock). */
  async currentAlias(tx: Tx, modelId: number, alias: string): Promise<number | null> {
    const r = await first(
      tx,
      'SELECT v.version FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.model_id = $1 AND a.alias = $2',
      [modelId, alias],
    );
    return (r?.version as number | undefined) ?? null;
  }

  /** The alias move's statements, inside a write transaction (also used by deploy.ts). */
  async moveAliasTx(tx: Tx, row: AliasMoveRow): Promise<AliasMove> {
    const mid = await this.modelId(tx, row.model, true);
    if (mid === null) throw notFound.model(row.model);
    const fromVersion = await this.currentAlias(tx, mid, row.alias);
    if (row.toVersion === null) {
      if (fromVersion === null) throw notFound.alias(row.model, row.alias);
      await tx.query('DELETE FROM aliases WHERE model_id = $1 AND alias = $2', [mid, row.alias]);
    } else {
      const vid = await this.versionId(tx, mid, row.toVersion);
      if (vid === null) throw notFound.version(row.model, row.toVersion);
      await tx.query(
        `INSERT INTO aliases (model_id, alias, version_id, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id, updated_at = excluded.updated_at`,
        [mid, row.alias, vid, row.at],
      );
    }
    const details = jsonOrNull(row.details);
    const id = (
      await first(
        tx,
        `INSERT INTO alias_history (model_id, alias, from_version, to_version, at, who, reason, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [mid, row.alias, fromVersion, row.toVersion, row.at, row.who, row.reason, details],
      )
    )?.id as number;
    return {
      id,
      model: row.model,
      alias: row.alias,
      fromVersion,
      toVersion: row.toVersion,
      at: row.at,
      who: row.who,
      reason: row.reason,
      details: decodeJson(details),
    };
  }

  aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    return this.db.read(async (tx) => {
      if ((await this.modelId(tx, model)) === null) throw notFound.model(model);
      return (
        await rows(
          tx,
          `SELECT h.id, m.name AS model, h.alias, h.from_version, h.to_version, h.at, h.who, h.reason, h.details
           FROM alias_history h JOIN models m ON m.id = h.model_id
           WHERE m.name = $1 AND ($2::text IS NULL OR h.alias = $2) ORDER BY h.id`,
          [model, alias ?? null],
        )
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
    return this.db.write(async (tx) => {
      const mid = await this.modelId(tx, row.model);
      if (mid === null) throw notFound.model(row.model);
      const vid = await this.versionId(tx, mid, row.version);
      if (vid === null) throw notFound.version(row.model, row.version);
      const r = await first(
        tx,
        `INSERT INTO evaluations (version_id, at, dataset, metrics, report_sha256)
         VALUES ($1, $2, $3, $4, $5) RETURNING id, at, dataset, metrics, report_sha256`,
        [vid, row.at, encodeJson(row.dataset), encodeMetrics(row.metrics), row.reportSha256],
      );
      return this.evaluationRecord({ ...r, model: row.model, version: row.version });
    });
  }

  listEvaluations(model: string, version?: number): Promise<EvaluationRecord[]> {
    return this.db.read(async (tx) =>
      (
        await rows(
          tx,
          `SELECT e.id, m.name AS model, v.version, e.at, e.dataset, e.metrics, e.report_sha256
           FROM evaluations e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id
           WHERE m.name = $1 AND ($2::int IS NULL OR v.version = $2) ORDER BY e.id`,
          [model, version ?? null],
        )
      ).map((r) => this.evaluationRecord(r)),
    );
  }

  // ── Artifacts ───────────────────────────────────────────────────────────

  artifactReferences(): Promise<ArtifactReference[]> {
    return this.db.read(async (tx) =>
      (
        await rows(
          tx,
          `SELECT * FROM (
             SELECT a.sha256, m.name AS model, v.version, a.name
             FROM version_artifacts a JOIN versions v ON v.id = a.version_id JOIN models m ON m.id = v.model_id
             UNION ALL
             SELECT e.report_sha256, m.name, v.version, 'evaluation:' || e.id
             FROM evaluations e JOIN versions v ON v.id = e.version_id JOIN models m ON m.id = v.model_id
             WHERE e.report_sha256 IS NOT NULL
           ) refs ORDER BY model COLLATE "C", version, name COLLATE "C"`,
        )
      ).map((r) => ({
        sha256: r.sha256 as string,
        model: r.model as string,
        version: r.version as number,
        name: r.name as string,
      })),
    );
  }
}
