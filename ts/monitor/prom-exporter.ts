/**
 * `MonitorMetrics`: monitoring's Prometheus metrics (metric-names.ts),
 * registered on a server's own prom-client registry. The server hands it
 * each evaluation's snapshots, its prediction logger and alert changes; the
 * gauges then hold the last evaluation's numbers until the next one.
 *
 *   const mm = await createMonitorMetrics(metrics.registry, { logger: () => logger.counters() });
 *   engine: signals: async () => { const s = await collector.collect(); mm.update(s); return s; }
 *           onDelivery: (_, r) => mm.delivery(r);  after evaluate: mm.alerts(await engine.open())
 *
 * Values absent from a snapshot (a signal with no verdict, accuracy without
 * feedback) are absent from /metrics, so alerting rules never fire on them.
 * prom-client is loaded by `createMonitorMetrics` only, so the CLI commands
 * that import ts/monitor do not pay for it.
 * @module
 */
import type * as PromClient from 'prom-client';
import type client from 'prom-client';
import type { AlertRecord, DeliveryResult, SignalSnapshot } from './alerts/types.js';
import type { LoggerCounters } from './logger.js';
import { MONITOR_METRICS as M, type MetricSpec } from './metric-names.js';

export interface MonitorMetricsOptions {
  /** The prediction logger's counters, read at each scrape. */
  logger?: () => LoggerCounters;
}

type Prom = typeof PromClient;

function gauge(prom: Prom, spec: MetricSpec, registers: client.Registry[]): client.Gauge<string> {
  return new prom.Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: [...spec.labels],
    registers,
  });
}

export class MonitorMetrics {
  private readonly window: client.Gauge<string>[];
  private readonly driftSignal: client.Gauge<string>;
  private readonly driftThreshold: client.Gauge<string>;
  private readonly driftWindow: client.Gauge<string>;
  private readonly windowPredictions: client.Gauge<string>;
  private readonly liveAccuracy: client.Gauge<string>;
  private readonly liveLabelled: client.Gauge<string>;
  private readonly offlineAccuracy: client.Gauge<string>;
  private readonly expectedAccuracy: client.Gauge<string>;
  private readonly referenceExpected: client.Gauge<string>;
  private readonly latencyP99: client.Gauge<string>;
  private readonly alertStates: client.Gauge<string>;
  private readonly notifications: client.Counter<string>;

  constructor(prom: Prom, registry: client.Registry, opts: MonitorMetricsOptions = {}) {
    const registers = [registry];
    this.driftSignal = gauge(prom, M.driftSignal, registers);
    this.driftThreshold = gauge(prom, M.driftThreshold, registers);
    this.driftWindow = gauge(prom, M.driftWindow, registers);
    this.windowPredictions = gauge(prom, M.windowPredictions, registers);
    this.liveAccuracy = gauge(prom, M.liveAccuracy, registers);
    this.liveLabelled = gauge(prom, M.liveLabelled, registers);
    this.offlineAccuracy = gauge(prom, M.offlineAccuracy, registers);
    this.expectedAccuracy = gauge(prom, M.expectedAccuracy, registers);
    this.referenceExpected = gauge(prom, M.referenceExpectedAccuracy, registers);
    this.latencyP99 = gauge(prom, M.latencyP99, registers);
    this.window = [
      this.driftSignal,
      this.driftThreshold,
      this.driftWindow,
      this.windowPredictions,
      this.liveAccuracy,
      this.liveLabelled,
      this.offlineAccuracy,
      this.expectedAccuracy,
      this.referenceExpected,
      this.latencyP99,
    ];
    this.alertStates = gauge(prom, M.alerts, registers);
    this.notifications = new prom.Counter({
      name: M.alertNotifications.name,
      help: M.alertNotifications.help,
      labelNames: [...M.alertNotifications.labels],
      registers,
    });
    const logger = opts.logger;
    if (logger !== undefined) {
      const counter = (spec: MetricSpec, read: (c: LoggerCounters) => number) =>
        new prom.Counter({
          name: spec.name,
          help: spec.help,
          registers,
          collect() {
            this.reset();
            this.inc(read(logger()));
          },
        });
      counter(M.logLogged, (c) => c.logged);
      counter(M.logDropped, (c) => c.dropped);
      counter(M.logFailed, (c) => c.failed);
      new prom.Gauge({
        name: M.logQueueDepth.name,
        help: M.logQueueDepth.help,
        registers,
        collect() {
          this.set(logger().queueDepth);
        },
      });
    }
  }

  /** Replace the window gauges with these snapshots' numbers. */
  update(snapshots: readonly SignalSnapshot[]): void {
    for (const g of this.window) g.reset();
    for (const s of snapshots) {
      if (s.version === null) continue;
      const mv = { model: s.model, version: String(s.version) };
      this.windowPredictions.set(mv, s.window.predictions);
      for (const d of s.drift) {
        if (d.value === null) continue;
        const l = { ...mv, signal: d.name };
        this.driftSignal.set(l, d.value);
        this.driftThreshold.set({ ...l, direction: d.direction }, d.threshold);
        this.driftWindow.set(l, d.n);
      }
      if (s.accuracy.value !== null) {
        this.liveAccuracy.set(mv, s.accuracy.value);
        this.liveLabelled.set(mv, s.accuracy.labelled);
      }
      if (s.accuracy.offline !== null) this.offlineAccuracy.set(mv, s.accuracy.offline);
      if (s.expectedAccuracy.value !== null)
        this.expectedAccuracy.set(mv, s.expectedAccuracy.value);
      if (s.expectedAccuracy.reference !== null) {
        this.referenceExpected.set(mv, s.expectedAccuracy.reference);
      }
      if (s.latencyP99Ms.value !== null) this.latencyP99.set(mv, s.latencyP99Ms.value / 1000);
    }
  }

  /** The open alerts (pending and firing), counted by model, rule, severity and state. */
  alerts(open: readonly AlertRecord[]): void {
    this.alertStates.reset();
    for (const a of open) {
      this.alertStates.inc({ model: a.model, rule: a.rule, severity: a.severity, state: a.state });
    }
  }

  delivery(r: DeliveryResult): void {
    this.notifications.inc({ notifier: r.notifier, outcome: r.outcome });
  }
}

/** A MonitorMetrics on `registry` (prom-client loaded here, on first use). */
export async function createMonitorMetrics(
  registry: client.Registry,
  opts: MonitorMetricsOptions = {},
): Promise<MonitorMetrics> {
  const prom = (await import('prom-client')).default as unknown as Prom;
  return new MonitorMetrics(prom, registry, opts);
}
