/**
 * The PostgreSQL monitoring backend: the same `MonitorBackend` as SQLite's,
 * on the store's database (schema `sentio_monitor`, migrations.ts).
 *
 * Writes are batched: the logger's batch is one multi-row INSERT per
 * stream (`writeColumns`: model version, environment and arm passed once,
 * `unnest` of one array per other column, numbers as array literals; rows
 * from `writeBatch`: one array per column), so the statement and its
 * parameter count do not depend on the batch size, plus the token-bucket
 * upserts, in one transaction. Duplicates (a batch re-sent after a failure) are ignored
 * by (id, at). Days are partitions (partitions.ts): the writer creates them
 * ahead, retention drops them whole.
 * @module
 */
import type { PoolClient } from 'pg';
import * as shared from '../backend-rows.js';
import { probabilitiesJson } from '../columns.js';
import { digestStrings } from '../digests.js';
import { encodeCounts } from '../sqlite/counts-blob.js';
import type {
  FeedbackItem,
  FeedbackResult,
  LabelledRow,
  MonitorBackend,
  PredictionColumns,
  PredictionFilter,
  PredictionRow,
  PruneOptions,
  PruneReport,
  StoreStats,
  TokenBucket,
  VersionCount,
} from '../types.js';
import type { MonitorPg, Row } from './database.js';
import { listPartitions, PartitionKeeper } from './partitions.js';

/** WHERE clause of a filter on `predictions p`, numbering parameters after `params`. */
function where(f: PredictionFilter, params: unknown[]): string {
  const parts = shared.filterConditions(f).map(([col, op, v]) => {
    params.push(v);
    return `p.${col} ${op} $${params.length}`;
  });
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}

const INSERT = `INSERT INTO predictions (${shared.PREDICTION_COLUMNS})
  SELECT u.id, u.at, u.model, u.version, u.env, u.arm, u.label, u.confidence, u.probabilities::json,
         u.latency_ms, u.text_length, u.text, u.text_sha256, u.tokens, u.oov_tokens
    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                $8::float8[], $9::text[], $10::float8[], $11::int[], $12::text[], $13::text[],
                $14::int[], $15::int[])
      AS u(id, at, model, version, env, arm, label, confidence, probabilities, latency_ms,
           text_length, text, text_sha256, tokens, oov_tokens)
  ON CONFLICT (id, at) DO NOTHING`;

function columns(rows: readonly PredictionRow[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 15 }, () => new Array(rows.length));
  rows.forEach((r, i) => {
    const v = shared.predictionValues(r);
    v[1] = Math.round(r.at); // bigint
    for (let c = 0; c < 15; c++) (cols[c] as unknown[])[i] = v[c];
  });
  return cols;
}

/** One stream's block: its model version, environment and arm once, the rest one array per column. */
const INSERT_STREAM = `INSERT INTO predictions (${shared.PREDICTION_COLUMNS})
  SELECT u.id, u.at, $1, $2, $3, $4, u.label, u.confidence, u.probabilities::json,
         u.latency_ms, u.text_length, u.text, u.text_sha256, u.tokens, u.oov_tokens
    FROM unnest($5::text[], $6::bigint[], $7::text[], $8::float8[], $9::text[], $10::float8[],
                $11::int[], $12::text[], $13::text[], $14::int[], $15::int[])
      AS u(id, at, label, confidence, probabilities, latency_ms, text_length, text, text_sha256,
           tokens, oov_tokens)
  ON CONFLICT (id, at) DO NOTHING`;

/** A PostgreSQL array literal of numbers (`{1,2.5,NULL}`), built in one pass; `nullBelow0` for tokens. */
function pgNumbers(a: ArrayLike<number>, n: number, int: boolean, nullBelow0 = false): string {
  let s = '{';
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    if (i > 0) s += ',';
    if (nullBelow0 && x < 0) s += 'NULL';
    else if (Number.isFinite(x)) s += int ? Math.round(x) : x;
    else s += Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
  }
  return `${s}}`;
}

function streamParams(b: PredictionColumns): unknown[] {
  const n = b.length;
  const k = b.classes.length;
  const json = probabilitiesJson(b.classes);
  const probabilities: string[] = new Array(n);
  for (let i = 0; i < n; i++) probabilities[i] = json(b.probabilities, i * k);
  return [
    b.model,
    b.version,
    b.env,
    b.arm,
    b.ids,
    pgNumbers(b.at, n, true),
    b.labels,
    pgNumbers(b.confidence, n, false),
    probabilities,
    pgNumbers(b.latencyMs, n, false),
    pgNumbers(b.textLength, n, true),
    b.text,
    b.textSha256 === null ? null : digestStrings(b.textSha256, n),
    b.tokens === null ? null : pgNumbers(b.tokens, n, true, true),
    b.oovTokens === null ? null : pgNumbers(b.oovTokens, n, true, true),
  ];
}

export class PgMonitorBackend implements MonitorBackend {
  readonly kind = 'postgres';
  readonly location: string;
  private readonly partitions: PartitionKeeper;

  constructor(
    private readonly db: MonitorPg,
    private readonly writer: string,
  ) {
    this.location = db.store;
    this.partitions = new PartitionKeeper(db);
  }

  async writeBatch(
    rows: readonly PredictionRow[],
    buckets: readonly TokenBucket[],
  ): Promise<number> {
    return this.write(
      () => rows.map((r) => r.at),
      async (tx) => (rows.length ? ((await tx.query(INSERT, columns(rows))).rowCount ?? 0) : 0),
      buckets,
    );
  }

  /**
   * The logger's column blocks: one INSERT per stream (usually one per
   * batch) with its four constant columns passed once and the numbers as
   * array literals, plus the bucket upserts, in one transaction.
   */
  async writeColumns(
    blocks: readonly PredictionColumns[],
    buckets: readonly TokenBucket[],
  ): Promise<number> {
    const times = function* () {
      for (const b of blocks) for (let i = 0; i < b.length; i++) yield b.at[i] as number;
    };
    return this.write(
      times,
      async (tx) => {
        let n = 0;
        for (const b of blocks) {
          if (b.length > 0) n += (await tx.query(INSERT_STREAM, streamParams(b))).rowCount ?? 0;
        }
        return n;
      },
      buckets,
    );
  }

  /**
   * One transaction: the rows `insert` writes (days `times` ahead made sure
   * of), then the bucket upserts; returns the rows inserted.
   */
  private async write(
    times: () => Iterable<number>,
    insert: (tx: PoolClient) => Promise<number>,
    buckets: readonly TokenBucket[],
  ): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      await this.partitions.ensure(times());
      try {
        return await this.db.tx(async (tx) => {
          const n = await insert(tx);
          for (const b of buckets) await this.addBucket(tx, b);
          return n;
        });
      } catch (e) {
        // A day another process dropped (retention) under our cache: re-check once.
        if ((e as { code?: string }).code === '23514' && attempt === 1) {
          this.partitions.forget();
          continue;
        }
        throw e;
      }
    }
  }

  private async addBucket(tx: PoolClient, b: TokenBucket): Promise<void> {
    const old = (
      await tx.query(
        `SELECT docs, other, counts FROM token_buckets
          WHERE model = $1 AND version = $2 AND start = $3 AND writer = $4 FOR UPDATE`,
        [b.model, b.version, b.start, this.writer],
      )
    ).rows[0] as Row | undefined;
    const { docs, other, counts } = shared.addToStoredBucket(b, old);
    await tx.query(
      `INSERT INTO token_buckets (model, version, start, writer, docs, other, counts)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (model, version, start, writer)
       DO UPDATE SET docs = excluded.docs, other = excluded.other, counts = excluded.counts`,
      [b.model, b.version, b.start, this.writer, docs, other, Buffer.from(encodeCounts(counts))],
    );
  }

  private async select(f: PredictionFilter, cols: string, join = ''): Promise<Row[]> {
    const params: unknown[] = [];
    const w = where(f, params);
    if (f.limit !== undefined) {
      params.push(Math.max(0, Math.floor(f.limit)));
      const rows = await this.db.query(
        `SELECT ${cols} FROM predictions p ${join} ${w} ORDER BY p.at DESC, p.seq DESC LIMIT $${params.length}`,
        params,
      );
      return rows.reverse();
    }
    return this.db.query(
      `SELECT ${cols} FROM predictions p ${join} ${w} ORDER BY p.at, p.seq`,
      params,
    );
  }

  async predictions(f: PredictionFilter): Promise<PredictionRow[]> {
    return (await this.select(f, 'p.*')).map(shared.predictionRow);
  }

  async labelled(f: PredictionFilter): Promise<LabelledRow[]> {
    const rows = await this.select(
      f,
      'p.*, fb.label AS truth',
      'JOIN feedback fb ON fb.prediction_id = p.id AND fb.prediction_at = p.at',
    );
    return rows.map((r) => ({ ...shared.predictionRow(r), truth: r.truth as string }));
  }

  async *scan(f: PredictionFilter, pageSize = 5000): AsyncIterable<PredictionRow[]> {
    if (f.limit !== undefined) {
      yield await this.predictions(f);
      return;
    }
    let after = -1;
    for (;;) {
      const params: unknown[] = [];
      const w = where(f, params);
      params.push(after, pageSize);
      const n = params.length;
      const rows = await this.db.query(
        `SELECT p.* FROM predictions p ${w ? `${w} AND` : 'WHERE'} p.seq > $${n - 1}
          ORDER BY p.seq LIMIT $${n}`,
        params,
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1]?.seq as number;
      yield rows.map(shared.predictionRow);
    }
  }

  async versions(f: PredictionFilter): Promise<VersionCount[]> {
    const params: unknown[] = [];
    const rows = await this.db.query(
      `SELECT p.model, p.version, count(*) AS n, min(p.at) AS first, max(p.at) AS last
         FROM predictions p ${where(f, params)} GROUP BY p.model, p.version ORDER BY p.model, p.version`,
      params,
    );
    return rows.map(shared.versionCount);
  }

  async tokenBuckets(
    model: string,
    version: number,
    since: number,
    until: number,
  ): Promise<TokenBucket[]> {
    const rows = await this.db.query(
      `SELECT start, docs, other, counts FROM token_buckets
        WHERE model = $1 AND version = $2 AND start >= $3 AND start < $4 ORDER BY start`,
      [model, version, Math.floor(since), Math.ceil(until)],
    );
    return shared.bucketsByStart(model, version, rows);
  }

  async recordFeedback(items: readonly FeedbackItem[]): Promise<FeedbackResult> {
    const ids = [...new Set(items.map((i) => i.predictionId))];
    return this.db.tx(async (tx) => {
      const at = new Map<string, number>();
      for (const r of (
        await tx.query('SELECT id, max(at) AS at FROM predictions WHERE id = ANY($1) GROUP BY id', [
          ids,
        ])
      ).rows as Row[]) {
        at.set(r.id as string, r.at as number);
      }
      const labelled = new Set(
        (
          (
            await tx.query(
              'SELECT prediction_id FROM feedback WHERE prediction_id = ANY($1) FOR UPDATE',
              [ids],
            )
          ).rows as Row[]
        ).map((r) => r.prediction_id as string),
      );
      const out: FeedbackResult = { recorded: 0, updated: 0, unknown: [] };
      const put: unknown[][] = [[], [], [], [], []];
      for (const it of items) {
        const pAt = at.get(it.predictionId);
        if (pAt === undefined) {
          out.unknown.push(it.predictionId);
          continue;
        }
        if (labelled.has(it.predictionId)) out.updated++;
        else out.recorded++;
        labelled.add(it.predictionId);
        const v = [
          it.predictionId,
          pAt,
          it.label,
          Math.floor(it.at ?? Date.now()),
          it.source ?? null,
        ];
        for (const [c, x] of v.entries()) (put[c] as unknown[]).push(x);
      }
      // One statement per item keeps "the last label for an id wins" within a batch.
      for (let i = 0; i < (put[0] as unknown[]).length; i++) {
        await tx.query(
          `INSERT INTO feedback (prediction_id, prediction_at, label, at, source) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (prediction_id) DO UPDATE SET prediction_at = excluded.prediction_at,
             label = excluded.label, at = excluded.at, source = excluded.source`,
          put.map((col) => col[i]),
        );
      }
      return out;
    });
  }

  /** Bytes the monitoring data uses on disk: partitions (with indexes), feedback, buckets. */
  private async usedBytes(): Promise<number> {
    const r = await this.db.query<{ bytes: number }>(
      `SELECT (coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)
               + pg_total_relation_size('feedback') + pg_total_relation_size('token_buckets'))::bigint AS bytes
         FROM pg_inherits i WHERE i.inhparent = 'predictions'::regclass`,
    );
    return r[0]?.bytes ?? 0;
  }

  /** Everything before `at`: whole days dropped, the straddling day's rows deleted. */
  private async dropBefore(at: number): Promise<Omit<PruneReport, 'bytesBefore' | 'bytesAfter'>> {
    const days = (await listPartitions(this.db)).filter((p) => p.start < at);
    return this.db.tx(async (tx) => {
      let deletedPredictions = 0;
      const deletedFeedback =
        (await tx.query('DELETE FROM feedback WHERE prediction_at < $1', [at])).rowCount ?? 0;
      for (const p of days) {
        if (p.end <= at) {
          const n = (await tx.query(`SELECT count(*) AS n FROM ${p.name}`)).rows[0] as Row;
          deletedPredictions += n.n as number;
          await tx.query(`DROP TABLE ${p.name}`);
          this.partitions.forget(p.start);
        } else {
          deletedPredictions +=
            (await tx.query(`DELETE FROM ${p.name} WHERE at < $1`, [at])).rowCount ?? 0;
        }
      }
      const deletedBuckets =
        (await tx.query('DELETE FROM token_buckets WHERE start < $1', [at])).rowCount ?? 0;
      return { deletedPredictions, deletedFeedback, deletedBuckets };
    });
  }

  async prune(opts: PruneOptions): Promise<PruneReport> {
    const bytesBefore = await this.usedBytes();
    const total = { deletedPredictions: 0, deletedFeedback: 0, deletedBuckets: 0 };
    const add = (r: typeof total) => {
      total.deletedPredictions += r.deletedPredictions;
      total.deletedFeedback += r.deletedFeedback;
      total.deletedBuckets += r.deletedBuckets;
    };
    if (opts.before !== undefined) add(await this.dropBefore(Math.floor(opts.before)));
    if (opts.maxBytes !== undefined) {
      // Whole days, oldest first, until under the limit (like SQLite, the newest too if need be).
      for (let guard = 0; guard < 10_000 && (await this.usedBytes()) > opts.maxBytes; guard++) {
        let oldest: { end: number } | undefined;
        for (const p of await listPartitions(this.db)) {
          const any = await this.db.query(`SELECT 1 FROM ${p.name} LIMIT 1`);
          if (any.length > 0) {
            oldest = p;
            break;
          }
        }
        if (oldest === undefined) break;
        add(await this.dropBefore(oldest.end));
      }
    }
    return { ...total, bytesBefore, bytesAfter: await this.usedBytes() };
  }

  async stats(): Promise<StoreStats> {
    const p = (
      await this.db.query(
        'SELECT count(*) AS n, min(at) AS oldest, max(at) AS newest FROM predictions',
      )
    )[0] as Row;
    const f = (await this.db.query('SELECT count(*) AS n FROM feedback'))[0] as Row;
    const b = (await this.db.query('SELECT count(*) AS n FROM token_buckets'))[0] as Row;
    return shared.storeStats(p, f, b, await this.usedBytes());
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
