/**
 * The SQLite monitoring backend (better-sqlite3), all of monitoring's SQL.
 *
 * Same habits as the registry's backend: WAL (the report reads while the
 * server writes), a busy timeout so several server processes queue their
 * batches instead of failing, errors translated to MONITOR_* codes. Unlike
 * the registry it runs synchronous=NORMAL: a log batch lost to a power cut
 * is acceptable (the logger already documents losing the last interval),
 * a registered version is not.
 *
 * Predictions are stored in blocks of one stream (prediction-blocks.ts,
 * block-store.ts): a query selects the blocks a filter can match by their
 * stream and time range, decodes them and filters their rows; order is
 * (time, block, row), the order they were logged in within a millisecond.
 * @module
 */
import Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import { enableWal } from '../../registry/index.js';
import * as shared from '../backend-rows.js';
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
import { BLOCK_BY_SEQ, BLOCK_COLUMNS, BlockStore, decodeBlockRow } from './block-store.js';
import { encodeCounts } from './counts-blob.js';
import { checkVersion, MONITOR_SCHEMA_VERSION, migrateMonitor } from './migrations.js';
import {
  type BlockColumns,
  type DecodedBlock,
  encodeBlock,
  fromPredictionColumns,
  rowsToColumns,
  splitForBlocks,
} from './prediction-blocks.js';

export const MONITOR_BUSY_TIMEOUT_MS = 10_000;

type Db = Database.Database;
type Row = Record<string, unknown>;

export function mapMonitorError(e: unknown, file: string): unknown {
  if (e instanceof SentioError) return e;
  const code = (e as { code?: string })?.code ?? '';
  const message = (e as Error)?.message ?? String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new SentioError(
      'MONITOR_STORE_BUSY',
      `${file} stayed locked too long: ${message}`,
      { file },
      {
        cause: e,
      },
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new SentioError(
      'MONITOR_STORE_INVALID',
      `${file} is not a readable monitoring database: ${message}`,
      { file },
      { cause: e },
    );
  }
  if (code === 'SQLITE_CANTOPEN') {
    return new SentioError(
      'MONITOR_STORE_NOT_FOUND',
      `cannot open ${file}: ${message}`,
      { file },
      {
        cause: e,
      },
    );
  }
  return e;
}

export interface SqliteMonitorOptions {
  readonly: boolean;
  busyTimeoutMs?: number;
  /** Identifies this process's token-bucket rows (default: pid + random). */
  writer?: string;
}

/**
 * A connection to `file` with the monitoring pragmas, migrated to the current
 * schema (writers) or checked to be at it (readers). Also used by the alert
 * store (ts/monitor/alerts), which keeps its own connection to the same file.
 */
export function openMonitorDatabase(
  file: string,
  opts: { readonly: boolean; busyTimeoutMs?: number },
): Db {
  try {
    const db = new Database(file, {
      readonly: opts.readonly,
      fileMustExist: opts.readonly,
      timeout: opts.busyTimeoutMs ?? MONITOR_BUSY_TIMEOUT_MS,
    });
    try {
      if (opts.readonly) {
        if (checkVersion(db, file) < MONITOR_SCHEMA_VERSION) {
          throw new SentioError(
            'MONITOR_STORE_INVALID',
            `${file} has an older monitoring schema; open it once for writing (any logs command) to migrate it`,
            { file },
          );
        }
      } else {
        // Before WAL: switching journal mode writes the header, after which auto_vacuum is fixed.
        db.pragma('auto_vacuum = INCREMENTAL');
        enableWal(db, opts.busyTimeoutMs ?? MONITOR_BUSY_TIMEOUT_MS);
        db.pragma('synchronous = NORMAL');
        migrateMonitor(db, file);
      }
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  } catch (e) {
    throw mapMonitorError(e, file);
  }
}

export function openSqliteMonitor(file: string, opts: SqliteMonitorOptions): SqliteMonitorBackend {
  const db = openMonitorDatabase(file, opts);
  return new SqliteMonitorBackend(db, file, opts.writer ?? `${process.pid}-${randomTag()}`);
}

function randomTag(): string {
  return Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');
}

/**
 * WHERE clause and parameters selecting the blocks (aliased b) that can hold
 * a filter's predictions: its stream, and a time range that meets the filter's.
 */
function blockWhere(
  f: PredictionFilter,
  and: string[] = [],
  andParams: unknown[] = [],
): { sql: string; params: unknown[] } {
  const parts = [...and];
  const params: unknown[] = [...andParams];
  for (const [col, op, v] of shared.filterConditions(f)) {
    if (col === 'at') {
      parts.push(op === '>=' ? 'b.last_at >= ?' : 'b.first_at < ?');
    } else parts.push(`b.${col} ${op} ?`);
    params.push(v);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** Does a time meet a filter's range (the same bounds as the SQL's)? */
function inRange(f: PredictionFilter): (at: number) => boolean {
  const since = f.since === undefined ? Number.NEGATIVE_INFINITY : Math.floor(f.since);
  const until = f.until === undefined ? Number.POSITIVE_INFINITY : Math.ceil(f.until);
  return (at) => at >= since && at < until;
}

/** A filter's time range as conditions on two columns (`since` on the first, `until` on the second). */
function timeBounds(
  f: PredictionFilter,
  sinceColumn: string,
  untilColumn: string,
): { and: string[]; params: unknown[] } {
  const and: string[] = [];
  const params: unknown[] = [];
  if (f.since !== undefined) {
    and.push(`${sinceColumn} >= ?`);
    params.push(Math.floor(f.since));
  }
  if (f.until !== undefined) {
    and.push(`${untilColumn} < ?`);
    params.push(Math.ceil(f.until));
  }
  return { and, params };
}

/** A decoded row with its sort key: time, then the block, then its place in the block. */
interface Placed<R> {
  at: number;
  seq: number;
  index: number;
  row: R;
}

const byTime = <R>(x: Placed<R>, y: Placed<R>) => x.at - y.at || x.seq - y.seq || x.index - y.index;

/** Rows oldest first; with `limit`, the newest `limit` of them (still oldest first). */
function ordered<R>(placed: Placed<R>[], limit: number | undefined): R[] {
  placed.sort(byTime);
  const from =
    limit === undefined ? 0 : Math.max(0, placed.length - Math.max(0, Math.floor(limit)));
  return placed.slice(from).map((p) => p.row);
}

export class SqliteMonitorBackend implements MonitorBackend {
  readonly kind = 'sqlite';
  private readonly getBucket: Database.Statement;
  private readonly putBucket: Database.Statement;
  private readonly blocks: BlockStore | null;
  /** The block columns `store` writes (returns rows stored), then the bucket upserts. */
  private readonly writeTx: Database.Transaction<
    (store: () => number, b: readonly TokenBucket[]) => number
  >;

  constructor(
    private readonly db: Db,
    readonly location: string,
    private readonly writer: string,
  ) {
    const ro = db.readonly;
    this.blocks = ro ? null : new BlockStore(db);
    this.getBucket = db.prepare(
      'SELECT docs, other, counts FROM token_buckets WHERE model = ? AND version = ? AND start = ? AND writer = ?',
    );
    this.putBucket = ro
      ? (null as unknown as Database.Statement)
      : db.prepare(
          `INSERT INTO token_buckets (model, version, start, writer, docs, other, counts) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (model, version, start, writer) DO UPDATE SET docs = excluded.docs, other = excluded.other, counts = excluded.counts`,
        );
    this.writeTx = db.transaction((store: () => number, buckets: readonly TokenBucket[]) => {
      const n = store();
      this.addBuckets(buckets);
      return n;
    });
  }

  private get writable(): BlockStore {
    if (this.blocks === null) {
      throw new SentioError('MONITOR_STORE_INVALID', `${this.location} is open read-only`, {
        file: this.location,
      });
    }
    return this.blocks;
  }

  private addBuckets(buckets: readonly TokenBucket[]): void {
    for (const b of buckets) {
      const old = this.getBucket.get(b.model, b.version, b.start, this.writer) as Row | undefined;
      const { docs, other, counts } = shared.addToStoredBucket(b, old);
      this.putBucket.run(
        b.model,
        b.version,
        b.start,
        this.writer,
        docs,
        other,
        encodeCounts(counts),
      );
    }
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw mapMonitorError(e, this.location);
    }
  }

  /** One immediate transaction: the block columns stored (rows stored summed), then the buckets. */
  private write(columns: () => Iterable<BlockColumns>, buckets: readonly TokenBucket[]): number {
    const blocks = this.writable;
    return this.run(() =>
      this.writeTx.immediate(() => {
        let n = 0;
        for (const c of columns()) n += blocks.write(c);
        return n;
      }, buckets),
    );
  }

  async writeBatch(
    rows: readonly PredictionRow[],
    buckets: readonly TokenBucket[],
  ): Promise<number> {
    return this.write(() => rowsToColumns(rows), buckets);
  }

  async writeColumns(
    blocks: readonly PredictionColumns[],
    buckets: readonly TokenBucket[],
  ): Promise<number> {
    return this.write(() => blocks.map(fromPredictionColumns), buckets);
  }

  /** The blocks that can hold a filter's predictions, in the order they were written, decoded one at a time. */
  private *blocksOf(f: PredictionFilter): Iterable<DecodedBlock> {
    const w = blockWhere(f);
    const rows = this.db
      .prepare(`SELECT ${BLOCK_COLUMNS} FROM prediction_blocks b ${w.sql} ORDER BY b.seq`)
      .iterate(...w.params) as Iterable<Row>;
    for (const r of rows) yield decodeBlockRow(r);
  }

  async predictions(f: PredictionFilter): Promise<PredictionRow[]> {
    return this.run(() => {
      const keep = inRange(f);
      const placed: Placed<PredictionRow>[] = [];
      const take = (b: DecodedBlock) => {
        const idx: number[] = [];
        for (let i = 0; i < b.n; i++) if (keep(b.at[i] as number)) idx.push(i);
        b.rows(idx).forEach((row, j) => {
          placed.push({ at: row.at, seq: b.seq, index: idx[j] as number, row });
        });
      };
      if (f.limit === undefined) {
        for (const b of this.blocksOf(f)) take(b);
        return ordered(placed, undefined);
      }
      // The newest `limit`: blocks newest first, until no later block can hold a newer row.
      const limit = Math.max(0, Math.floor(f.limit));
      const w = blockWhere(f);
      // Iterated, not fetched whole: the loop usually stops after a few blocks.
      const rows = this.db
        .prepare(
          `SELECT ${BLOCK_COLUMNS}, b.last_at FROM prediction_blocks b ${w.sql} ORDER BY b.last_at DESC, b.seq DESC`,
        )
        .iterate(...w.params) as Iterable<Row>;
      for (const r of rows) {
        if (placed.length >= limit) {
          placed.sort((x, y) => byTime(y, x));
          placed.length = limit;
          const oldest = placed[limit - 1];
          if (oldest === undefined || (r.last_at as number) < oldest.at) break;
        }
        take(decodeBlockRow(r));
      }
      return ordered(placed, limit);
    });
  }

  /**
   * Feedback rows in the filter's blocks and time range (each points at its
   * prediction's block), their blocks decoded once each: the cost is in the
   * labels, not in the predictions logged.
   */
  async labelled(f: PredictionFilter): Promise<LabelledRow[]> {
    return this.run(() => {
      const keep = inRange(f);
      const times = timeBounds(f, 'fb.prediction_at', 'fb.prediction_at');
      const w = blockWhere(f, times.and, times.params);
      const labels = this.db
        .prepare(
          `SELECT fb.prediction_id, fb.label AS truth, fb.block
           FROM feedback fb JOIN prediction_blocks b ON b.seq = fb.block ${w.sql}
           ORDER BY fb.block`,
        )
        .all(...w.params) as Row[];
      // Not BlockStore's statement: read-only connections have no BlockStore.
      const bySeq = this.db.prepare(BLOCK_BY_SEQ);
      const placed: Placed<LabelledRow>[] = [];
      // Labels come ordered by block: each block is fetched and decoded once, and its
      // labelled rows built in one call (rows() decodes the block's texts and hashes).
      for (let from = 0; from < labels.length; ) {
        const seq = (labels[from] as Row).block;
        let to = from;
        while (to < labels.length && (labels[to] as Row).block === seq) to++;
        const block = decodeBlockRow(bySeq.get(seq) as Row);
        const where = new Map(block.ids().map((id, i) => [id, i]));
        const picked: Array<{ index: number; truth: string }> = [];
        for (const l of labels.slice(from, to)) {
          const index = where.get(l.prediction_id as string);
          if (index !== undefined && keep(block.at[index] as number)) {
            picked.push({ index, truth: l.truth as string });
          }
        }
        const rows = block.rows(picked.map((x) => x.index));
        picked.forEach(({ index, truth }, j) => {
          placed.push({
            at: block.at[index] as number,
            seq: block.seq,
            index,
            row: { ...(rows[j] as PredictionRow), truth },
          });
        });
        from = to;
      }
      return ordered(placed, f.limit);
    });
  }

  async *scan(f: PredictionFilter, pageSize = 5000): AsyncIterable<PredictionRow[]> {
    if (f.limit !== undefined) {
      yield await this.predictions(f);
      return;
    }
    const keep = inRange(f);
    const w = blockWhere(f, ['b.seq > ?']);
    // Blocks in pages (no cursor stays open across a yield), rows in pages of `pageSize`.
    const stmt = this.db.prepare(
      `SELECT ${BLOCK_COLUMNS} FROM prediction_blocks b ${w.sql} ORDER BY b.seq LIMIT 64`,
    );
    let page: PredictionRow[] = [];
    for (let after = -1; ; ) {
      const rows = this.run(() => stmt.all(after, ...w.params) as Row[]);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]?.seq as number;
      for (const r of rows) {
        const b = decodeBlockRow(r);
        const idx: number[] = [];
        for (let i = 0; i < b.n; i++) if (keep(b.at[i] as number)) idx.push(i);
        for (const row of b.rows(idx)) {
          page.push(row);
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
      }
    }
    if (page.length > 0) yield page;
  }

  /**
   * Per version: blocks wholly inside the time range counted from their
   * rows (`n`, `first_at`, `last_at`) in SQL; only the blocks the range cuts
   * through are decoded.
   */
  async versions(f: PredictionFilter): Promise<VersionCount[]> {
    return this.run(() => {
      // Blocks wholly inside the range: first_at ≥ since, last_at < until.
      const { and: inside, params: bounds } = timeBounds(f, 'b.first_at', 'b.last_at');
      const counts = new Map<string, VersionCount>();
      const add = (model: string, version: number, n: number, first: number, last: number) => {
        if (n === 0) return;
        const key = `${model}\u0000${version}`;
        const c = counts.get(key);
        if (c === undefined) counts.set(key, { model, version, predictions: n, first, last });
        else {
          c.predictions += n;
          c.first = Math.min(c.first, first);
          c.last = Math.max(c.last, last);
        }
      };
      const whole = blockWhere(f, inside, bounds);
      for (const r of this.db
        .prepare(
          `SELECT b.model, b.version, sum(b.n) AS n, min(b.first_at) AS first, max(b.last_at) AS last
           FROM prediction_blocks b ${whole.sql} GROUP BY b.model, b.version`,
        )
        .all(...whole.params) as Row[]) {
        add(
          r.model as string,
          r.version as number,
          r.n as number,
          r.first as number,
          r.last as number,
        );
      }
      if (inside.length > 0) {
        const keep = inRange(f);
        const cut = blockWhere(f, [`NOT (${inside.join(' AND ')})`], bounds);
        for (const r of this.db
          .prepare(`SELECT ${BLOCK_COLUMNS} FROM prediction_blocks b ${cut.sql}`)
          .all(...cut.params) as Row[]) {
          const b = decodeBlockRow(r);
          let n = 0;
          let first = Number.POSITIVE_INFINITY;
          let last = Number.NEGATIVE_INFINITY;
          for (const at of b.at) {
            if (!keep(at)) continue;
            n++;
            first = Math.min(first, at);
            last = Math.max(last, at);
          }
          add(r.model as string, r.version as number, n, first, last);
        }
      }
      return [...counts.values()].sort((x, y) =>
        x.model < y.model ? -1 : x.model > y.model ? 1 : x.version - y.version,
      );
    });
  }

  async tokenBuckets(
    model: string,
    version: number,
    since: number,
    until: number,
  ): Promise<TokenBucket[]> {
    const rows = this.run(
      () =>
        this.db
          .prepare(
            `SELECT start, docs, other, counts FROM token_buckets
             WHERE model = ? AND version = ? AND start >= ? AND start < ? ORDER BY start`,
          )
          .all(model, version, Math.floor(since), Math.ceil(until)) as Row[],
    );
    return shared.bucketsByStart(model, version, rows);
  }

  async recordFeedback(items: readonly FeedbackItem[]): Promise<FeedbackResult> {
    const blocks = this.writable;
    const existing = this.db.prepare('SELECT label FROM feedback WHERE prediction_id = ?');
    const put = this.db.prepare(
      `INSERT INTO feedback (prediction_id, label, at, source, block, prediction_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (prediction_id) DO UPDATE SET label = excluded.label, at = excluded.at, source = excluded.source,
         block = excluded.block, prediction_at = excluded.prediction_at`,
    );
    const tx = this.db.transaction(() => {
      const out: FeedbackResult = { recorded: 0, updated: 0, unknown: [] };
      const cache = new Map<number, DecodedBlock>();
      for (const it of items) {
        const found = blocks.locate(it.predictionId, cache);
        if (found === null) {
          out.unknown.push(it.predictionId);
          continue;
        }
        if (existing.get(it.predictionId) === undefined) out.recorded++;
        else out.updated++;
        put.run(
          it.predictionId,
          it.label,
          Math.floor(it.at ?? Date.now()),
          it.source ?? null,
          found.block.seq,
          found.block.at[found.index],
        );
      }
      return out;
    });
    return this.run(() => tx.immediate());
  }

  private usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /**
   * Predictions older than `at` (and their feedback and ids): whole blocks
   * deleted, a block the cut goes through rewritten in place with its newer
   * rows (its seq, which feedback points at, kept).
   */
  private dropOlderThan(at: number): { predictions: number; feedback: number; buckets: number } {
    const out = { predictions: 0, feedback: 0, buckets: 0 };
    const tx = this.db.transaction(() => {
      out.feedback += this.db
        .prepare('DELETE FROM feedback WHERE prediction_at < ?')
        .run(at).changes;
      out.predictions +=
        ((
          this.db
            .prepare('SELECT sum(n) AS n FROM prediction_blocks WHERE last_at < ?')
            .get(at) as Row
        ).n as number | null) ?? 0;
      this.db
        .prepare(
          'DELETE FROM prediction_ids WHERE block IN (SELECT seq FROM prediction_blocks WHERE last_at < ?)',
        )
        .run(at);
      this.db.prepare('DELETE FROM prediction_blocks WHERE last_at < ?').run(at);
      const cut = this.db
        .prepare(
          `SELECT ${BLOCK_COLUMNS} FROM prediction_blocks b WHERE b.first_at < ? AND b.last_at >= ?`,
        )
        .all(at, at) as Row[];
      const dropId = this.db.prepare('DELETE FROM prediction_ids WHERE id = ?');
      const rewrite = this.db.prepare(
        'UPDATE prediction_blocks SET first_at = ?, last_at = ?, n = ?, id_min = ?, id_max = ?, data = ? WHERE seq = ?',
      );
      for (const r of cut) {
        const b = decodeBlockRow(r);
        const rows = b.rows();
        const newer = rows.filter((x) => x.at >= at);
        for (const x of rows) if (x.at < at) dropId.run(x.id);
        out.predictions += rows.length - newer.length;
        const [cols] = rowsToColumns(newer);
        const [part] = cols === undefined ? [] : splitForBlocks(cols);
        if (part === undefined) continue;
        const { meta, data } = encodeBlock(part);
        rewrite.run(meta.firstAt, meta.lastAt, meta.n, meta.idMin, meta.idMax, data, b.seq);
      }
      out.buckets += this.db.prepare('DELETE FROM token_buckets WHERE start < ?').run(at).changes;
    });
    tx.immediate();
    return out;
  }

  async prune(opts: PruneOptions): Promise<PruneReport> {
    return this.run(() => {
      const bytesBefore = this.usedBytes();
      const total = { predictions: 0, feedback: 0, buckets: 0 };
      const drop = (at: number) => {
        const d = this.dropOlderThan(at);
        total.predictions += d.predictions;
        total.feedback += d.feedback;
        total.buckets += d.buckets;
      };
      if (opts.before !== undefined) drop(Math.floor(opts.before));
      if (opts.maxBytes !== undefined) {
        // Oldest first, in steps sized from the average prediction, until under the limit.
        const oldest = this.db.prepare(
          `SELECT ${BLOCK_COLUMNS}, b.n FROM prediction_blocks b ORDER BY b.last_at, b.seq`,
        );
        for (let guard = 0; guard < 64 && this.usedBytes() > opts.maxBytes; guard++) {
          const n =
            ((this.db.prepare('SELECT sum(n) AS n FROM prediction_blocks').get() as Row).n as
              | number
              | null) ?? 0;
          if (n === 0) break;
          const used = this.usedBytes();
          const share = Math.min(1, (used - opts.maxBytes) / used + 0.01);
          const k = Math.max(1, Math.ceil(n * share));
          // The time of about the k-th oldest prediction: blocks oldest first, then within the block.
          let seen = 0;
          let cut = Number.NEGATIVE_INFINITY;
          for (const r of oldest.iterate() as Iterable<Row>) {
            if (seen + (r.n as number) < k) {
              seen += r.n as number;
              continue;
            }
            const at = Float64Array.from(decodeBlockRow(r).at).sort();
            cut = at[Math.min(at.length, k - seen) - 1] as number;
            break;
          }
          drop(Math.floor(cut) + 1);
          this.db.pragma('incremental_vacuum');
        }
      }
      this.db.pragma('incremental_vacuum');
      return {
        deletedPredictions: total.predictions,
        deletedFeedback: total.feedback,
        deletedBuckets: total.buckets,
        bytesBefore,
        bytesAfter: this.usedBytes(),
      };
    });
  }

  async stats(): Promise<StoreStats> {
    return this.run(() => {
      const p = this.db
        .prepare(
          'SELECT coalesce(sum(n), 0) AS n, min(first_at) AS oldest, max(last_at) AS newest FROM prediction_blocks',
        )
        .get() as Row;
      const f = this.db.prepare('SELECT count(*) AS n FROM feedback').get() as Row;
      const b = this.db.prepare('SELECT count(*) AS n FROM token_buckets').get() as Row;
      return shared.storeStats(p, f, b, this.usedBytes());
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
