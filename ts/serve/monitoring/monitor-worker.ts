/**
 * The server's monitoring thread (a worker_thread): on the server's
 * schedule it measures each served model's window of logged traffic
 * (ts/monitor's SignalCollector: drift signals, live and expected accuracy,
 * latency, volume, aborted rollouts) and evaluates the alert rules stored
 * for it (AlertEngine: state in monitor.db, notifications to the log and to
 * webhooks); on demand it builds `sentio monitor report`'s report. Reading
 * up to 10 000 predictions per model is synchronous SQLite work: here it
 * never holds up a request.
 *
 * Monitoring needs monitor.db: until it exists (logging off, nothing logged
 * yet) evaluations return no snapshots and are tried again next time.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SentioError } from '../../errors/index.js';
import {
  AlertEngine,
  type AlertStore,
  LogNotifier,
  type MonitorBackend,
  monitorReport,
  monitorStoreExists,
  type Notifier,
  openAlertStore,
  openMonitorStore,
  parseWindow,
  SignalCollector,
  type SignalSnapshot,
  WebhookNotifier,
} from '../../monitor/index.js';
import { openRegistry, type Registry } from '../../registry/index.js';
import type {
  EvaluationReply,
  FromMonitorWorker,
  MonitorWorkerInit,
  RequestCounts,
  ToMonitorWorker,
} from './monitor-protocol.js';
import { toWire } from './wire-error.js';

const init = workerData as MonitorWorkerInit;
const port = parentPort as NonNullable<typeof parentPort>;
const post = (m: FromMonitorWorker) => port.postMessage(m);

let backend: MonitorBackend | null = null;
let registry: Registry | null = null;
let alertStore: AlertStore | null = null;
let collector: SignalCollector | null = null;
let engine: AlertEngine | null = null;
let models: string[] = [];
let counts: Record<string, RequestCounts> = {};
let lastSnapshots: SignalSnapshot[] = [];

async function openRegistryOnce(): Promise<Registry> {
  registry ??= await openRegistry(init.store, { readonly: true });
  return registry;
}

/** The reading connection, once monitor.db exists (null before). */
async function openBackend(): Promise<MonitorBackend | null> {
  if (backend !== null) return backend;
  if (!(await monitorStoreExists(init.store))) return null;
  backend = await openMonitorStore(init.store, { readonly: true });
  return backend;
}

function notifiers(): Notifier[] {
  const log = {
    info: (obj: object, msg: string) =>
      post({ t: 'log', level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj: object, msg: string) =>
      post({ t: 'log', level: 'warn', obj: obj as Record<string, unknown>, msg }),
  };
  const out: Notifier[] = [new LogNotifier(log)];
  for (const w of init.alerts?.webhooks ?? []) {
    out.push(
      new WebhookNotifier({
        url: w.url,
        ...(w.secret !== undefined ? { secret: w.secret } : {}),
        onError: (e) => post({ t: 'problem', event: 'alert_webhook_problem', error: toWire(e) }),
      }),
    );
  }
  return out;
}

/** Collector and (alerts on) engine, built once monitor.db is there. */
async function ready(): Promise<boolean> {
  if (collector !== null) return true;
  const b = await openBackend();
  if (b === null) return false;
  const reg = await openRegistryOnce();
  collector = new SignalCollector({
    backend: b,
    registry: reg,
    models: () => models,
    windowMs: init.windowMs,
    maxPredictions: init.maxPredictions,
    thresholds: init.thresholds,
    requestCounts: (model) => counts[model],
  });
  if (init.alerts !== null) {
    alertStore = await openAlertStore(init.store);
    const c = collector;
    engine = new AlertEngine({
      signals: async () => {
        lastSnapshots = await c.collect();
        return lastSnapshots;
      },
      store: alertStore,
      notifiers: notifiers(),
      ...(init.alerts.repeatIntervalMs !== null
        ? { repeatIntervalMs: init.alerts.repeatIntervalMs }
        : {}),
      onError: (e) => post({ t: 'problem', event: 'alert_evaluation_failed', error: toWire(e) }),
      onDelivery: (_n, result) => post({ t: 'delivery', result }),
    });
  }
  return true;
}

async function evaluate(m: Extract<ToMonitorWorker, { t: 'evaluate' }>): Promise<EvaluationReply> {
  models = m.models;
  counts = m.counts;
  const at = Date.now();
  const t0 = performance.now();
  const empty: EvaluationReply = {
    at,
    durationMs: 0,
    snapshots: [],
    open: [],
    transitions: [],
    failed: [],
  };
  if (!(await ready())) return empty;
  if (engine === null) {
    const snapshots = await (collector as SignalCollector).collect();
    return { ...empty, snapshots, durationMs: performance.now() - t0 };
  }
  const r = await engine.evaluate();
  return {
    at: r.at,
    durationMs: performance.now() - t0,
    snapshots: lastSnapshots,
    open: await engine.open(),
    transitions: r.transitions.map((t) => ({
      rule: t.alert.rule,
      model: t.alert.model,
      from: t.from,
      to: t.to,
    })),
    failed: r.failed,
  };
}

async function report(m: Extract<ToMonitorWorker, { t: 'report' }>): Promise<unknown> {
  const b = await openBackend();
  if (b === null) {
    throw new SentioError(
      'MONITOR_NO_DATA',
      `no logged predictions of model "${m.model}" yet (nothing was logged in this store)`,
      { model: m.model },
    );
  }
  return monitorReport({
    backend: b,
    registry: await openRegistryOnce(),
    model: m.model,
    window: parseWindow(m.window, 'window'),
    thresholds: m.thresholds,
    ...(m.version !== undefined ? { version: m.version } : {}),
  });
}

async function close(timeoutMs: number): Promise<void> {
  await engine?.stop(timeoutMs);
  await alertStore?.close();
  await backend?.close();
  await registry?.close();
}

async function handle(m: ToMonitorWorker): Promise<void> {
  try {
    let value: unknown = null;
    if (m.t === 'evaluate') value = await evaluate(m);
    else if (m.t === 'report') value = await report(m);
    else await close(m.timeoutMs);
    post({ t: 'reply', seq: m.seq, ok: true, value });
  } catch (e) {
    post({ t: 'reply', seq: m.seq, ok: false, error: toWire(e) });
  }
}

// Evaluations and reports one at a time, in order.
let chain: Promise<void> = Promise.resolve();
port.on('message', (m: ToMonitorWorker) => {
  chain = chain.then(() => handle(m));
});
post({ t: 'ready' });
