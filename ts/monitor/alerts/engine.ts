/**
 * `AlertEngine`: evaluate every model's rules on a schedule, keep alert
 * state in the store, hand transitions to the notifiers.
 *
 *   const collector = new SignalCollector({ backend, registry, models: () => served });
 *   const engine = new AlertEngine({
 *     signals: () => collector.collect(),
 *     store: await openAlertStore(storeDir),
 *     notifiers: [new LogNotifier(log), new WebhookNotifier({ url, secret })],
 *   });
 *   engine.start();            // every intervalMs (default 60 s), timer unref'd
 *   await engine.stop();       // waits for a running evaluation, flushes notifiers
 *
 * One evaluation at a time (a tick that finds one running is skipped and
 * counted). A failing model (e.g. a busy store) is reported to `onError` and
 * the others are still evaluated. Notifiers never block an evaluation; their
 * outcomes are recorded in the store's delivery log.
 * @module
 */
import { evaluateRules } from './evaluate.js';
import { getRuleSet } from './rule-store.js';
import type {
  AlertNotification,
  AlertRecord,
  AlertRule,
  AlertStore,
  DeliveryResult,
  Notifier,
  SignalSnapshot,
  Transition,
} from './types.js';

export interface AlertEngineOptions {
  /** The snapshots to evaluate (one per model), e.g. `SignalCollector.collect`. */
  signals: () => Promise<readonly SignalSnapshot[]>;
  store: AlertStore;
  /** A model's effective rules (default: stored in the store, else the defaults). */
  rules?: (model: string) => Promise<readonly AlertRule[]>;
  notifiers?: readonly Notifier[];
  /** Evaluation period (default 60 s). */
  intervalMs?: number;
  /** Re-notify an alert still firing after this long (default 4h; 0: never). */
  repeatIntervalMs?: number;
  clock?: () => number;
  /** Errors of an evaluation or a notifier; never thrown from the schedule. */
  onError?: (e: unknown) => void;
  /** Every transition (for logs and metrics). */
  onTransition?: (t: Transition) => void;
  /** Every delivery outcome (for metrics). */
  onDelivery?: (n: AlertNotification, r: DeliveryResult) => void;
}

export interface EvaluationResult {
  at: number;
  durationMs: number;
  models: number;
  observations: number;
  transitions: Transition[];
  /** Models whose evaluation failed (see onError). */
  failed: string[];
}

export interface AlertEngineCounters {
  evaluations: number;
  skipped: number;
  failures: number;
  notifications: number;
  lastDurationMs: number;
}

export const ALERT_ENGINE_DEFAULTS = { intervalMs: 60_000, repeatIntervalMs: 4 * 3_600_000 };

export class AlertEngine {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<EvaluationResult> | null = null;
  private readonly pendingDeliveries = new Set<Promise<void>>();
  private readonly c: AlertEngineCounters = {
    evaluations: 0,
    skipped: 0,
    failures: 0,
    notifications: 0,
    lastDurationMs: 0,
  };

  constructor(private readonly o: AlertEngineOptions) {}

  private now(): number {
    return (this.o.clock ?? Date.now)();
  }

  private error(e: unknown): void {
    try {
      this.o.onError?.(e);
    } catch {
      // a logging hook must not break evaluation
    }
  }

  counters(): AlertEngineCounters {
    return { ...this.c };
  }

  /** Evaluate every `intervalMs` until `stop()`. */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (this.inFlight !== null) {
        this.c.skipped++;
        return;
      }
      this.evaluate().catch((e) => this.error(e));
    }, this.o.intervalMs ?? ALERT_ENGINE_DEFAULTS.intervalMs);
    this.timer.unref();
  }

  /** Stop the schedule, wait for a running evaluation, let notifiers deliver (up to `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
    await Promise.all((this.o.notifiers ?? []).map((n) => n.close(timeoutMs)));
    await Promise.all([...this.pendingDeliveries]);
  }

  /** One evaluation now (also what the schedule runs). Concurrent calls share the running one. */
  evaluate(): Promise<EvaluationResult> {
    if (this.inFlight !== null) return this.inFlight;
    this.inFlight = this.run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async run(): Promise<EvaluationResult> {
    const at = this.now();
    const t0 = performance.now();
    const result: EvaluationResult = {
      at,
      durationMs: 0,
      models: 0,
      observations: 0,
      transitions: [],
      failed: [],
    };
    const snapshots = await this.o.signals();
    for (const snap of snapshots) {
      result.models++;
      try {
        const rules = this.o.rules
          ? await this.o.rules(snap.model)
          : (await getRuleSet(this.o.store, snap.model)).rules;
        const observations = evaluateRules(rules, snap);
        result.observations += observations.length;
        const transitions = await this.o.store.apply(snap.model, rules, observations, at, {
          repeatIntervalMs: this.o.repeatIntervalMs ?? ALERT_ENGINE_DEFAULTS.repeatIntervalMs,
        });
        for (const t of transitions) {
          result.transitions.push(t);
          try {
            this.o.onTransition?.(t);
          } catch (e) {
            this.error(e);
          }
          if (t.notify !== null)
            this.dispatch({ status: t.notify, alert: t.alert, repeat: t.repeat, at });
        }
      } catch (e) {
        this.c.failures++;
        result.failed.push(snap.model);
        this.error(e);
      }
    }
    this.c.evaluations++;
    result.durationMs = performance.now() - t0;
    this.c.lastDurationMs = result.durationMs;
    return result;
  }

  private dispatch(n: AlertNotification): void {
    for (const notifier of this.o.notifiers ?? []) {
      this.c.notifications++;
      try {
        notifier.notify(n, (r) => this.delivered(n, r));
      } catch (e) {
        this.error(e);
      }
    }
  }

  private delivered(n: AlertNotification, r: DeliveryResult): void {
    try {
      this.o.onDelivery?.(n, r);
    } catch (e) {
      this.error(e);
    }
    const p = this.o.store
      .recordDelivery(n, r, this.now())
      .catch((e) => this.error(e))
      .finally(() => this.pendingDeliveries.delete(p));
    this.pendingDeliveries.add(p);
  }

  /** Open alerts (pending or firing), e.g. for a status endpoint. */
  open(model?: string): Promise<AlertRecord[]> {
    return this.o.store.alerts({
      ...(model !== undefined ? { model } : {}),
      states: ['pending', 'firing'],
    });
  }
}
