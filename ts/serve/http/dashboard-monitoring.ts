/**
 * The dashboard's monitoring view of one model over a time window: traffic
 * series (volume, latency percentiles, live and expected accuracy) from the
 * prediction logs in monitor.db, the drift signals and their series from
 * ts/monitor's `monitorReport` (the numbers `sentio monitor report` prints),
 * current and past alerts, and the canary/shadow reports of its
 * environments (ts/deploy, as `sentio canary status`). Every part degrades
 * to `null` with a reason instead of failing the page: a store without
 * logs, a version without a reference profile, no rollouts.
 * @module
 */
import { rolloutReport } from '../../deploy/index.js';
import {
  type MonitorBackend,
  monitorReport,
  openMonitorStore,
  parseDuration,
} from '../../monitor/index.js';
import type { Registry, RolloutKind } from '../../registry/index.js';
import type { AlertFeed } from './alert-feed.js';
import { trafficSeries } from './monitoring-series.js';

/** Rows read per window at most (newest kept): bounds the work of one dashboard refresh. */
const MAX_ROWS = 200_000;

export class MonitorReader {
  private backend: MonitorBackend | null = null;
  private failure: string | null = null;
  private retryAt = 0;

  constructor(private readonly storeDir: string) {}

  async get(): Promise<{ backend: MonitorBackend | null; reason: string | null }> {
    if (this.backend !== null) return { backend: this.backend, reason: null };
    if (Date.now() >= this.retryAt) {
      this.retryAt = Date.now() + 2000;
      try {
        this.backend = await openMonitorStore(this.storeDir, { readonly: true });
        this.failure = null;
      } catch (e) {
        this.failure = e instanceof Error ? e.message : String(e);
      }
    }
    return { backend: this.backend, reason: this.failure };
  }

  async close(): Promise<void> {
    await this.backend?.close().catch(() => {});
    this.backend = null;
  }
}

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function monitoringView(
  reg: Registry,
  reader: MonitorReader,
  alerts: AlertFeed | null,
  q: { model: string; window: string; points: number; now?: number },
): Promise<Record<string, unknown>> {
  const model = await reg.getModel(q.model);
  const ms = parseDuration(q.window, 'window');
  const to = q.now ?? Date.now();
  const from = to - ms;
  const { backend, reason } = await reader.get();
  let traffic: unknown = null;
  let trafficReason: string | null = reason;
  let drift: unknown = null;
  let driftReason: string | null = reason;
  let versions: unknown = [];
  if (backend !== null) {
    const filter = { model: model.name, since: from, until: to + 1, limit: MAX_ROWS };
    const [rows, labelled] = await Promise.all([
      backend.predictions(filter),
      backend.labelled(filter),
    ]);
    traffic = trafficSeries(rows, labelled, from, to, q.points);
    trafficReason = rows.length === 0 ? `no logged predictions in the last ${q.window}` : null;
    versions = await backend.versions({ model: model.name, since: from, until: to + 1 });
    try {
      const r = await monitorReport({
        backend,
        registry: reg,
        model: model.name,
        window: { kind: 'time', ms, text: `last ${q.window}` },
        seriesPoints: Math.min(q.points, 48),
        now: to,
      });
      drift = {
        version: r.version,
        drift: r.drift,
        signals: Object.values(r.signals).map(({ reference: _r, live: _l, ...s }) => s),
        series: r.series,
        performance: r.performance,
      };
      driftReason = null;
    } catch (e) {
      driftReason = why(e);
    }
  }
  const rollouts = [];
  const pairs = new Set((await reg.listRollouts(model.name)).map((r) => `${r.env}\u0000${r.kind}`));
  for (const p of [...pairs].sort()) {
    const [env, kind] = p.split('\u0000') as [string, RolloutKind];
    try {
      rollouts.push(await rolloutReport(reg, kind, { model: model.name, env }));
    } catch {
      // an environment removed since: nothing to show
    }
  }
  return {
    model: model.name,
    window: { text: q.window, from, to },
    versions,
    traffic,
    trafficReason,
    drift,
    driftReason,
    alerts: (await alerts?.alerts(model.name)) ?? [],
    alertHistory: (await alerts?.events(0, model.name, 100)) ?? [],
    rollouts,
  };
}
