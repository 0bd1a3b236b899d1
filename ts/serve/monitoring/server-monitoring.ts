/**
 * `ServerMonitoring`: the event loop's side of monitoring. Every
 * `intervalMs` (15 s) it asks the monitoring thread to evaluate the served
 * models and puts the answer on /metrics (ts/monitor's MonitorMetrics: drift
 * signals and their lines, live and expected accuracy, p99 latency, open
 * alerts, notification outcomes), so a scrape only reads numbers that are
 * already there. It also builds `GET /v1/models/{name}/monitor` reports
 * through the same thread, and evaluates at once after a canary or shadow
 * was aborted (the abort is an alert of its own).
 *
 * The thread starting or failing never affects serving: a failed
 * evaluation is logged (at most every 10 s per kind) and tried again.
 *
 * Cost bound: an evaluation reads at most `maxPredictions` rows per model,
 * but counting a busy model's traffic (volume, version choice) grows with
 * the rows in the window. The next evaluation therefore waits at least nine
 * times as long as the last one took, so monitoring never uses more than
 * about a tenth of a core however much traffic there is (the wait shows as
 * `sentio_monitor_evaluation_seconds` and in the log when it stretches).
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import client, { type Registry as PromRegistry } from 'prom-client';
import { SentioError } from '../../errors/index.js';
import {
  createMonitorMetrics,
  type DeepPartial,
  type MonitorMetrics,
  type MonitorReport,
  type Thresholds,
} from '../../monitor/index.js';
import type { WireError } from './log-protocol.js';
import type { ResolvedMonitoring } from './monitor-options.js';
import type {
  EvaluationReply,
  FromMonitorWorker,
  RequestCounts,
  ToMonitorWorker,
} from './monitor-protocol.js';
import { fromWire } from './wire-error.js';

const QUIET_MS = 10_000;
const REPORT_TIMEOUT_MS = 60_000;
/** The next evaluation waits at least this many times the last one's duration. */
const COST_FACTOR = 9;

export interface ServerMonitoringInit {
  store: string;
  /** null: no evaluations (metrics of the prediction log only). */
  options: ResolvedMonitoring | null;
  /** Alerting runs in one process of a cluster only (no duplicate notifications). */
  alerting: boolean;
  registry: PromRegistry;
  log: FastifyBaseLogger;
  /** The served model names, at each evaluation. */
  models: () => string[];
  /** Cumulative requests and failed requests per model (error-rate rules). */
  counts: () => Record<string, RequestCounts>;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export class ServerMonitoring {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private evaluating: Promise<EvaluationReply | null> | null = null;
  private last: EvaluationReply | null = null;
  private readonly lastProblem = new Map<string, number>();
  private closed = false;
  private stretched = false;
  private readonly duration: client.Gauge<string>;
  private readonly outcomes: client.Counter<string>;

  private constructor(
    private readonly init: ServerMonitoringInit,
    private readonly metrics: MonitorMetrics,
  ) {
    this.duration = new client.Gauge({
      name: 'sentio_monitor_evaluation_seconds',
      help: 'Duration of the last monitoring evaluation (drift, accuracy, alerts) in the monitoring thread',
      registers: [init.registry],
    });
    this.outcomes = new client.Counter({
      name: 'sentio_monitor_evaluations_total',
      help: 'Monitoring evaluations, by outcome (ok, failed)',
      labelNames: ['outcome'],
      registers: [init.registry],
    });
    const o = init.options;
    if (o === null) return;
    this.worker = new Worker(new URL('./monitor-worker.js', import.meta.url), {
      workerData: {
        store: init.store,
        ...o,
        alerts: init.alerting ? o.alerts : null,
      },
      name: 'sentio-monitoring',
    });
    this.worker.unref();
    this.worker.on('message', (m: FromMonitorWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.failed(e));
  }

  static async create(init: ServerMonitoringInit): Promise<ServerMonitoring> {
    const metrics = await createMonitorMetrics(init.registry);
    return new ServerMonitoring(init, metrics);
  }

  get enabled(): boolean {
    return this.worker !== null;
  }

  /** First evaluation now, then every intervalMs. */
  start(): void {
    if (this.init.options === null || this.timer !== null || this.closed) return;
    this.tick();
  }

  /** Evaluate, then schedule the next one (every intervalMs, stretched when evaluations are slow). */
  private tick(): void {
    const o = this.init.options;
    if (o === null || this.closed) return;
    const t0 = performance.now();
    void this.evaluate().then(() => {
      if (this.closed) return;
      const took = performance.now() - t0;
      const delay = Math.max(o.intervalMs, COST_FACTOR * took);
      if (delay > o.intervalMs && !this.stretched) {
        this.stretched = true;
        this.init.log.warn(
          {
            event: 'monitor_interval_stretched',
            evaluationMs: Math.round(took),
            nextInMs: Math.round(delay),
          },
          `a monitoring evaluation took ${Math.round(took)} ms; evaluating every ${Math.round(delay / 1000)} s instead of ${o.intervalMs / 1000} s`,
        );
      } else if (delay === o.intervalMs) this.stretched = false;
      this.timer = setTimeout(() => this.tick(), delay);
      this.timer.unref();
    });
  }

  /** The last evaluation (null before the first). */
  get lastEvaluation(): EvaluationReply | null {
    return this.last;
  }

  /**
   * Evaluate now (a tick that finds one running shares it). Resolves with
   * the evaluation, or null when it failed (logged).
   */
  evaluate(): Promise<EvaluationReply | null> {
    if (this.worker === null || this.closed) return Promise.resolve(null);
    this.evaluating ??= this.request<EvaluationReply>(
      {
        t: 'evaluate',
        models: this.init.models(),
        counts: this.init.counts(),
      },
      REPORT_TIMEOUT_MS,
    )
      .then(
        (r) => {
          this.last = r;
          this.duration.set(r.durationMs / 1000);
          this.outcomes.inc({ outcome: 'ok' });
          this.metrics.update(r.snapshots);
          this.metrics.alerts(r.open);
          for (const t of r.transitions) {
            this.init.log.info(
              { event: 'alert_state', model: t.model, rule: t.rule, from: t.from, to: t.to },
              `alert ${t.rule} of ${t.model}: ${t.from} → ${t.to}`,
            );
          }
          return r;
        },
        (e: unknown) => {
          this.outcomes.inc({ outcome: 'failed' });
          this.problem('monitor_evaluation_failed', e);
          return null;
        },
      )
      .finally(() => {
        this.evaluating = null;
      });
    return this.evaluating;
  }

  /** After something that changes the alerts (an automatic rollout abort): evaluate once more now. */
  evaluateSoon(): void {
    if (this.worker === null || this.closed) return;
    const again = () => void this.evaluate();
    if (this.evaluating !== null) this.evaluating.finally(again);
    else again();
  }

  /** `sentio monitor report NAME --json`, built by the monitoring thread. */
  report(q: {
    model: string;
    window: string;
    version?: number;
    thresholds: DeepPartial<Thresholds>;
  }): Promise<MonitorReport> {
    if (this.worker === null) {
      return Promise.reject(
        new SentioError(
          'MONITOR_BAD_OPTION',
          'monitoring is off in this server (started with monitoring disabled)',
        ),
      );
    }
    return this.request<MonitorReport>({ t: 'report', ...q }, REPORT_TIMEOUT_MS);
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const w = this.worker;
    if (w === null) return;
    await this.evaluating?.catch(() => null);
    try {
      await this.request({ t: 'close', timeoutMs }, timeoutMs + 1000);
    } catch {
      // cut below
    }
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SentioError('SERVE_SHUTTING_DOWN', 'the server is shutting down'));
    }
    this.pending.clear();
    await w.terminate();
  }

  private request<T>(
    m: Record<string, unknown> & { t: ToMonitorWorker['t'] },
    ms: number,
  ): Promise<T> {
    const w = this.worker;
    if (w === null) return Promise.reject(new Error('monitoring is off'));
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new SentioError('MONITOR_STORE_BUSY', `monitoring did not answer within ${ms} ms`));
      }, ms);
      timer.unref();
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject, timer });
      w.postMessage({ ...m, seq });
    });
  }

  private onMessage(m: FromMonitorWorker): void {
    switch (m.t) {
      case 'ready':
        return;
      case 'reply': {
        const p = this.pending.get(m.seq);
        if (p === undefined) return;
        this.pending.delete(m.seq);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(fromWire(m.error));
        return;
      }
      case 'delivery':
        this.metrics.delivery(m.result);
        return;
      case 'log':
        if (m.level === 'warn') this.init.log.warn(m.obj, m.msg);
        else this.init.log.info(m.obj, m.msg);
        return;
      case 'problem':
        this.problem(m.event, m.error);
        return;
    }
  }

  private problem(event: string, e: unknown): void {
    const now = Date.now();
    if (now - (this.lastProblem.get(event) ?? 0) < QUIET_MS) return;
    this.lastProblem.set(event, now);
    const w = e as WireError & Error;
    this.init.log.warn(
      { event, code: w?.code, err: w?.message ?? String(e) },
      `monitoring: ${w?.message ?? String(e)}`,
    );
  }

  private failed(e: Error): void {
    this.init.log.error(
      { event: 'monitoring_thread_crashed', err: e.message },
      `monitoring stopped: ${e.message} (predictions are still served and logged)`,
    );
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SentioError('INTERNAL', 'monitoring stopped'));
    }
    this.pending.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.worker = null;
  }
}
