/**
 * The day partitions of `predictions`: `predictions_YYYYMMDD` holds the UTC
 * day [start, start + 24 h) of `at`. A writer makes sure the days of a batch
 * exist before inserting it, plus the next `AHEAD_DAYS` days so midnight
 * never waits on DDL; which days exist is cached per process, so the cost
 * is one catalog query per new day. Creation runs in its own short
 * transaction under the monitoring advisory lock (two servers creating the
 * same day would otherwise race in the catalog).
 *
 * Retention drops whole partitions: a day that ends before the cut-off is
 * dropped (an instant catalog operation that gives its space back at once),
 * and only the day straddling the cut-off has rows deleted.
 * @module
 */
import type { MonitorPg } from './database.js';
import { MONITOR_LOCK_KEY } from './migrations.js';

export const DAY_MS = 86_400_000;
/** Days created beyond the newest one written. */
export const AHEAD_DAYS = 2;

export interface Partition {
  name: string;
  /** Inclusive start, ms since the epoch (UTC midnight). */
  start: number;
  /** Exclusive end. */
  end: number;
}

export function dayStart(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

export function partitionName(start: number): string {
  const d = new Date(start);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const year = d.getUTCFullYear();
  const y = year < 0 ? `m${pad(-year, 4)}` : pad(year, 4);
  return `predictions_${y}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** The partitions that exist, oldest first (bounds read from the catalog). */
export async function listPartitions(db: MonitorPg): Promise<Partition[]> {
  const rows = await db.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'predictions'::regclass`,
  );
  const out: Partition[] = [];
  for (const r of rows) {
    const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(r.bound);
    if (m) out.push({ name: r.name, start: Number(m[1]), end: Number(m[2]) });
  }
  return out.sort((a, b) => a.start - b.start);
}

export class PartitionKeeper {
  private readonly known = new Set<number>();

  constructor(private readonly db: MonitorPg) {}

  /** Make sure the days of `times` (and the days after the newest) have partitions. */
  async ensure(times: Iterable<number>): Promise<void> {
    const days = new Set<number>();
    let newest = Number.NEGATIVE_INFINITY;
    for (const at of times) {
      const d = dayStart(at);
      days.add(d);
      newest = Math.max(newest, d);
    }
    if (days.size === 0) return;
    for (let i = 1; i <= AHEAD_DAYS; i++) days.add(newest + i * DAY_MS);
    const missing = [...days].filter((d) => !this.known.has(d));
    if (missing.length === 0) return;
    await this.db.tx(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MONITOR_LOCK_KEY]);
      const existing = new Set(
        (
          await tx.query<{ name: string }>(
            `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'predictions'::regclass`,
          )
        ).rows.map((r) => r.name),
      );
      for (const d of missing.sort((a, b) => a - b)) {
        const name = partitionName(d);
        if (!existing.has(name)) {
          await tx.query(
            `CREATE TABLE ${name} PARTITION OF predictions FOR VALUES FROM (${d}) TO (${d + DAY_MS})`,
          );
        }
      }
    });
    for (const d of missing) this.known.add(d);
  }

  /** Forget a dropped day (another process may drop days too: a failed insert re-checks). */
  forget(start?: number): void {
    if (start === undefined) this.known.clear();
    else this.known.delete(start);
  }
}
