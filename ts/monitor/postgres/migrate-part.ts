/**
 * `sentio store migrate`'s monitoring part: copy a SQLite store's
 * monitor.db (predictions, feedback, token buckets, alert rules, state,
 * history and deliveries) into the target's `sentio_monitor` schema, then
 * prove the copy.
 *
 * Rows keep their ids and sequence numbers (so order, `afterSeq` cursors
 * and history look the same) and are inserted idempotently, so `--resume`
 * re-runs it safely. Predictions (kept in blocks in SQLite) are numbered in
 * the order they were logged and go in pages of 5000 from one SQLite read
 * snapshot, their day partitions created first. Verification: row counts
 * per table, then a sha256 over every prediction, labelled prediction,
 * token bucket, rule document, alert, event and delivery as the
 * MonitorBackend / AlertStore interfaces return them on each side; any
 * difference is MONITOR_STORE_INVALID naming the table.
 * @module
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import { openAlertStore } from '../alerts/sqlite-store.js';
import type { AlertStore } from '../alerts/types.js';
import { predictionValues } from '../backend-rows.js';
import { monitorDbPath, openMonitorStore } from '../open.js';
import { SqliteMonitorBackend } from '../sqlite/backend.js';
import type { MonitorBackend } from '../types.js';
import { MonitorPg, type Tx } from './database.js';
import { migrateMonitorPg } from './migrations.js';
import { PartitionKeeper } from './partitions.js';

type Row = Record<string, unknown>;
const PAGE = 5000;

/** Copy `rows` into `table` keeping every column, skipping rows already there. */
async function insertRows(
  tx: Tx,
  table: string,
  cols: readonly string[],
  rows: readonly Row[],
  conflict: string,
  cast: Record<string, string> = {},
): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const values = rows.map((r) => {
    const ph = cols.map((c) => {
      const v = r[c];
      params.push(v instanceof Uint8Array ? Buffer.from(v) : (v ?? null));
      return `$${params.length}${cast[c] ?? ''}`;
    });
    return `(${ph.join(', ')})`;
  });
  await tx.query(
    `INSERT INTO ${table} (${cols.join(', ')}) OVERRIDING SYSTEM VALUE VALUES ${values.join(', ')} ON CONFLICT ${conflict}`,
    params,
  );
}

const PRED_COLS = [
  'seq',
  'id',
  'at',
  'model',
  'version',
  'env',
  'arm',
  'label',
  'confidence',
  'probabilities',
  'latency_ms',
  'text_length',
  'text',
  'text_sha256',
  'tokens',
  'oov_tokens',
];

async function copyAll(src: Database.Database, db: MonitorPg): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const keeper = new PartitionKeeper(db);
  // Predictions in the order they were logged, numbered as they come, in pages (a transaction each: resumable).
  const source = new SqliteMonitorBackend(src, 'monitor.db', 'copy');
  counts.predictions = 0;
  for await (const page of source.scan({}, PAGE)) {
    const rows = page.map((r) => {
      const v = predictionValues(r);
      return Object.fromEntries([
        ['seq', ++counts.predictions],
        ...PRED_COLS.slice(1).map((c, i) => [c, v[i]]),
      ]) as Row;
    });
    await keeper.ensure(rows.map((r) => r.at as number));
    // 16 columns × 5000 rows stays under PostgreSQL's 65535 parameters in chunks of 4000.
    for (let i = 0; i < rows.length; i += 4000) {
      const chunk = rows.slice(i, i + 4000);
      await db.tx((tx) =>
        insertRows(tx, 'predictions', PRED_COLS, chunk, '(id, at) DO NOTHING', {
          probabilities: '::json',
        }),
      );
    }
  }
  await db.tx(async (tx) => {
    const feedback = src
      .prepare(
        'SELECT prediction_id, prediction_at, label, at, source FROM feedback WHERE block IS NOT NULL',
      )
      .all() as Row[];
    for (let i = 0; i < feedback.length; i += 5000) {
      await insertRows(
        tx,
        'feedback',
        ['prediction_id', 'prediction_at', 'label', 'at', 'source'],
        feedback.slice(i, i + 5000),
        '(prediction_id) DO NOTHING',
      );
    }
    counts.feedback = feedback.length;
    const simple: Array<[string, string[], string, Record<string, string>?]> = [
      [
        'token_buckets',
        ['model', 'version', 'start', 'writer', 'docs', 'other', 'counts'],
        '(model, version, start, writer) DO NOTHING',
      ],
      [
        'alert_rules',
        ['model', 'spec', 'updated_at', 'updated_by'],
        '(model) DO NOTHING',
        { spec: '::json' },
      ],
      [
        'alerts',
        [
          'fingerprint',
          'model',
          'rule',
          'labels',
          'severity',
          'state',
          'value',
          'threshold',
          'summary',
          'active_at',
          'fired_at',
          'resolved_at',
          'updated_at',
          'notified_at',
        ],
        '(fingerprint) DO NOTHING',
        { labels: '::json' },
      ],
      [
        'alert_events',
        [
          'seq',
          'at',
          'fingerprint',
          'model',
          'rule',
          'labels',
          'severity',
          'from_state',
          'to_state',
          'value',
          'threshold',
          'summary',
        ],
        '(seq) DO NOTHING',
        { labels: '::json' },
      ],
      [
        'alert_deliveries',
        [
          'seq',
          'at',
          'fingerprint',
          'model',
          'rule',
          'status',
          'notifier',
          'outcome',
          'attempts',
          'error',
        ],
        '(seq) DO NOTHING',
      ],
    ];
    for (const [table, cols, conflict, cast] of simple) {
      const rows = src.prepare(`SELECT ${cols.join(', ')} FROM ${table}`).all() as Row[];
      for (let i = 0; i < rows.length; i += 2000) {
        await insertRows(tx, table, cols, rows.slice(i, i + 2000), conflict, cast);
      }
      counts[table] = rows.length;
    }
    // Later inserts continue after the copied sequence numbers.
    for (const table of ['predictions', 'alert_events', 'alert_deliveries']) {
      await tx.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'seq'), greatest(coalesce((SELECT max(seq) FROM ${table}), 0), 1))`,
      );
    }
  });
  return counts;
}

async function digestMonitor(b: MonitorBackend): Promise<Record<string, string>> {
  const h = () => createHash('sha256');
  const preds = h();
  for await (const page of b.scan({})) for (const r of page) preds.update(JSON.stringify(r));
  const labelled = h().update(JSON.stringify(await b.labelled({})));
  const buckets = h();
  for (const v of await b.versions({})) {
    const bs = await b.tokenBuckets(
      v.model,
      v.version,
      Number.MIN_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    );
    buckets.update(
      JSON.stringify(bs.map((x) => ({ ...x, counts: [...x.counts].sort((p, q) => p[0] - q[0]) }))),
    );
  }
  return {
    predictions: preds.digest('hex'),
    feedback: labelled.digest('hex'),
    token_buckets: buckets.digest('hex'),
  };
}

async function digestAlerts(s: AlertStore): Promise<Record<string, string>> {
  const hash = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
  const rules: unknown[] = [];
  for (const m of await s.ruleModels()) rules.push(await s.getRules(m));
  return {
    alert_rules: hash(rules),
    alerts: hash(await s.alerts()),
    alert_events: hash(await s.history()),
    alert_deliveries: hash(await s.deliveries()),
  };
}

async function verify(
  sourceDir: string,
  url: string,
  counts: Record<string, number>,
): Promise<void> {
  const db = new MonitorPg(url, true, 1);
  try {
    for (const [table, n] of Object.entries(counts)) {
      const got = (await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n;
      if (got !== n) {
        throw new SentioError(
          'MONITOR_STORE_INVALID',
          `verification failed: ${table} has ${got} rows in the copy, ${n} in the source`,
          { table, source: n, target: got },
        );
      }
    }
  } finally {
    await db.close();
  }
  const pairs: Array<[Record<string, string>, Record<string, string>]> = [];
  const [sm, tm] = [
    await openMonitorStore(sourceDir, { readonly: true }),
    await openMonitorStore(url, { readonly: true }),
  ];
  try {
    pairs.push([await digestMonitor(sm), await digestMonitor(tm)]);
  } finally {
    await sm.close();
    await tm.close();
  }
  const [sa, ta] = [
    await openAlertStore(sourceDir, { readonly: true }),
    await openAlertStore(url, { readonly: true }),
  ];
  try {
    pairs.push([await digestAlerts(sa), await digestAlerts(ta)]);
  } finally {
    await sa.close();
    await ta.close();
  }
  for (const [a, b] of pairs) {
    for (const k of Object.keys(a)) {
      if (a[k] !== b[k]) {
        throw new SentioError(
          'MONITOR_STORE_INVALID',
          `verification failed: the copy's ${k} differ from the source's`,
          { table: k },
        );
      }
    }
  }
}

/** Copy and verify a store's monitor.db into the PostgreSQL store at `targetUrl`. */
export async function copyMonitorStore(
  sourceDir: string,
  targetUrl: string,
): Promise<{ rows: number }> {
  {
    // Bring the source to the current schema first (a writer open migrates it), then read one snapshot.
    await (await openAlertStore(sourceDir)).close();
    const src = new Database(monitorDbPath(sourceDir), { readonly: true });
    const db = new MonitorPg(targetUrl, false, 2);
    let counts: Record<string, number>;
    try {
      await migrateMonitorPg(db);
      src.exec('BEGIN');
      try {
        counts = await copyAll(src, db);
      } finally {
        src.exec('COMMIT');
      }
    } finally {
      src.close();
      await db.close();
    }
    await verify(sourceDir, targetUrl, counts);
    return { rows: Object.values(counts).reduce((a, b) => a + b, 0) };
  }
}
