/**
 * The dashboard's view of alerts: the current alerts of a model and the
 * state changes since a sequence number, read through ts/monitor's alert
 * store (its public API; the alert engine writes the same store) on a
 * read-only connection of its own. Forgiving on purpose: a store without
 * monitoring, or without alerting yet, simply has no alerts — the dashboard
 * must never fail because of them, so opening is retried every 2 s.
 * @module
 */
import {
  type AlertEvent,
  type AlertRecord,
  type AlertStore,
  openAlertStore,
} from '../../monitor/index.js';

/** An alert as the dashboard shows it (no notification bookkeeping). */
export type AlertView = Omit<AlertRecord, 'notifiedAt'>;
/** One state change as the dashboard shows it. */
export type AlertEventView = Omit<AlertEvent, 'fingerprint'>;

const RETRY_MS = 2000;

export class AlertFeed {
  private store: AlertStore | null = null;
  private opening: Promise<AlertStore | null> | null = null;
  private retryAt = 0;

  constructor(private readonly storeDir: string) {}

  /** The store, or null while monitor.db (or its alert tables) does not exist yet. */
  private open(): Promise<AlertStore | null> {
    if (this.store !== null) return Promise.resolve(this.store);
    if (this.opening !== null) return this.opening;
    if (Date.now() < this.retryAt) return Promise.resolve(null);
    this.retryAt = Date.now() + RETRY_MS;
    this.opening = openAlertStore(this.storeDir, { readonly: true, busyTimeoutMs: 1000 })
      .then(
        (s) => {
          this.store = s;
          return s;
        },
        () => null,
      )
      .finally(() => {
        this.opening = null;
      });
    return this.opening;
  }

  /** Open (firing, pending) alerts first, then resolved ones; at most `limit`. */
  async alerts(model?: string, limit = 100): Promise<AlertView[]> {
    const store = await this.open();
    if (store === null) return [];
    try {
      const all = await store.alerts(model !== undefined ? { model } : {});
      return all.slice(0, limit).map(({ notifiedAt: _n, ...a }) => a);
    } catch {
      return [];
    }
  }

  /** State changes with seq > `afterSeq` (of one model or all), oldest first; the newest `limit`. */
  async events(afterSeq: number, model?: string, limit = 200): Promise<AlertEventView[]> {
    const store = await this.open();
    if (store === null) return [];
    try {
      const events = await store.history({
        afterSeq,
        limit,
        ...(model !== undefined ? { model } : {}),
      });
      return events.map(({ fingerprint: _f, ...e }) => e);
    } catch {
      return [];
    }
  }

  /** The newest event's seq (0 when none). */
  async lastSeq(): Promise<number> {
    const last = await this.events(0, undefined, 1);
    return last[0]?.seq ?? 0;
  }

  close(): void {
    void this.store?.close();
    this.store = null;
  }
}
