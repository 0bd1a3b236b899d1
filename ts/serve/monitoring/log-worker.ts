/**
 * The server's logging thread (a worker_thread): it owns the
 * PredictionLogger and the writable monitor.db connection, so hashing, drift
 * accounting and SQLite transactions (synchronous in better-sqlite3) never
 * run on the event loop that answers requests.
 *
 * Messages are handled strictly in order (one chain): a version's `attach`
 * (its own engine copy of the model and its reference profile, for drift
 * accounting) completes before the predictions posted after it are logged,
 * a `flush` covers every prediction posted before it, and feedback is
 * joined after the predictions it may refer to were handed over.
 *
 * Feedback for a prediction id also labels its off-path twins (`ID.shadow`,
 * `ID.compare`: another version's score of the same text) when they were
 * logged, so a rollout candidate's accuracy can be measured from the same
 * labels.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Engine, type EngineModel, loadEngine } from '../../engine/index.js';
import { SentioError } from '../../errors/index.js';
import {
  type FeedbackItem,
  type FeedbackResult,
  type LoggerCounters,
  type MonitorBackend,
  monitorStoreExists,
  openMonitorStore,
  PredictionLogger,
} from '../../monitor/index.js';
import { openRegistry, type Registry } from '../../registry/index.js';
import type { DataProfile } from '../../train/index.js';
import type { FromLogWorker, LogWorkerInit, ToLogWorker } from './log-protocol.js';
import { TWIN_SUFFIXES } from './shadow-id.js';
import { SPARE_MAX } from './text-buffers.js';
import { toWire } from './wire-error.js';

const init = workerData as LogWorkerInit;
const port = parentPort as NonNullable<typeof parentPort>;
const post = (m: FromLogWorker) => port.postMessage(m);

let backend: MonitorBackend | null = null;
let logger: PredictionLogger | null = null;
let registry: Registry | null = null;
let engine: Engine | null = null;
/**
 * Text buffers read for the last time, going back to the event loop with the
 * next ack: at most as many as it keeps (SPARE_MAX), more would be dropped there.
 */
let spare: ArrayBuffer[] = [];
/** Predictions that arrived when no logger could take them (monitor.db unavailable). */
let lost = 0;
const attached = new Map<string, { count: number; model: EngineModel | null }>();

function counters(): LoggerCounters {
  const c = logger?.counters() ?? {
    logged: 0,
    flushed: 0,
    dropped: 0,
    failed: 0,
    sampledOut: 0,
    measured: 0,
    invalid: 0,
    queueDepth: 0,
    batches: 0,
    lastFlushMs: 0,
  };
  return { ...c, failed: c.failed + lost };
}

async function start(): Promise<void> {
  if (!init.logging) {
    post({ t: 'ready' });
    return;
  }
  try {
    backend = await openMonitorStore(init.store, { writer: init.writer });
    // The engine digests a block of texts in one call (hash mode); without it, node:crypto
    // does (a failed engine load is reported when a version attaches for drift accounting).
    const sha256Each = await loadEngine().then(
      (e) => {
        engine ??= e;
        return e.sha256EachText;
      },
      () => null,
    );
    logger = new PredictionLogger(backend, {
      ...(sha256Each !== null ? { sha256Each } : {}),
      onTextsDone: (b) => {
        const buf = b.textBytes?.buffer;
        if (buf instanceof ArrayBuffer && spare.length < SPARE_MAX) spare.push(buf);
      },
      capacity: init.capacity,
      batchSize: init.batchSize,
      flushIntervalMs: init.flushIntervalMs,
      textMode: init.textMode,
      textModes: init.textModes,
      driftMaxPerSecond: init.driftMaxPerSecond,
      bucketMs: init.bucketMs,
      ...(init.retention !== null ? { retention: init.retention } : {}),
      onError: (e) =>
        post({ t: 'problem', event: 'prediction_log_write_failed', error: toWire(e) }),
    });
    post({ t: 'ready' });
  } catch (e) {
    post({ t: 'init_failed', error: toWire(e) });
  }
}

function logEvents(m: Extract<ToLogWorker, { t: 'events' }>): void {
  const l = logger;
  if (l === null) lost += m.n;
  else for (const s of m.streams) l.logBlock(s);
  const buffers = spare;
  spare = [];
  port.postMessage(
    { t: 'ack', n: m.n, counters: counters(), buffers } satisfies FromLogWorker,
    buffers,
  );
}

async function attach(model: string, version: number): Promise<void> {
  if (logger === null) return;
  const key = `${model}@${version}`;
  const have = attached.get(key);
  if (have !== undefined) {
    have.count++;
    return;
  }
  const entry: { count: number; model: EngineModel | null } = { count: 1, model: null };
  attached.set(key, entry);
  const t0 = performance.now();
  try {
    registry ??= await openRegistry(init.store, { readonly: true });
    const rec = await registry.getVersion(model, version);
    const profileSha = rec.artifacts.profile;
    if (profileSha === undefined) {
      post({ t: 'attached', model, version, drift: 'none', ms: performance.now() - t0 });
      return;
    }
    const profile = JSON.parse(
      new TextDecoder().decode(await registry.artifacts.get(profileSha)),
    ) as DataProfile;
    engine ??= await loadEngine();
    let file: string | null = null;
    try {
      file = registry.artifacts.pathOf(rec.modelSha256);
    } catch {
      file = null;
    }
    const em =
      file !== null
        ? await engine.loadModelFile(file)
        : engine.loadModel(await registry.artifacts.get(rec.modelSha256));
    entry.model = em;
    logger.attach(model, version, em, profile.reference ?? null);
    post({
      t: 'attached',
      model,
      version,
      drift: profile.reference !== undefined ? 'tokens' : 'oov',
      ms: performance.now() - t0,
    });
  } catch (e) {
    post({ t: 'problem', event: 'prediction_log_attach_failed', error: toWire(e) });
  }
}

async function detach(model: string, version: number): Promise<void> {
  const key = `${model}@${version}`;
  const a = attached.get(key);
  if (a === undefined || --a.count > 0) return;
  attached.delete(key);
  if (logger !== null) {
    // What is queued for this version is measured before its model goes.
    await logger.flush();
    logger.detach(model, version);
  }
  a.model?.dispose();
}

/** The logger's connection, or (logging off) monitor.db opened for feedback when it exists. */
async function feedbackBackend(): Promise<MonitorBackend> {
  if (backend !== null) return backend;
  if (init.logging || !(await monitorStoreExists(init.store))) {
    throw new SentioError(
      'MONITOR_STORE_NOT_FOUND',
      'no prediction log to join feedback to: prediction logging is off or monitor.db cannot be opened',
      { store: init.store },
    );
  }
  backend = await openMonitorStore(init.store, { writer: init.writer });
  return backend;
}

async function feedback(items: readonly FeedbackItem[]): Promise<FeedbackResult> {
  const b = await feedbackBackend();
  const first = await b.recordFeedback(items);
  let result = first;
  if (first.unknown.length > 0 && logger !== null) {
    // They may still be queued: write everything, then try those once more.
    await logger.flush();
    const unknown = new Set(first.unknown);
    const again = await b.recordFeedback(items.filter((it) => unknown.has(it.predictionId)));
    result = {
      recorded: first.recorded + again.recorded,
      updated: first.updated + again.updated,
      unknown: again.unknown,
    };
  }
  const missing = new Set(result.unknown);
  const twins = items
    .filter((it) => !missing.has(it.predictionId))
    .flatMap((it) =>
      TWIN_SUFFIXES.map((suffix) => ({ ...it, predictionId: `${it.predictionId}${suffix}` })),
    );
  if (twins.length > 0) await b.recordFeedback(twins);
  return result;
}

async function close(): Promise<LoggerCounters> {
  if (logger !== null) await logger.close({ closeBackend: false });
  const c = counters();
  await backend?.close();
  for (const a of attached.values()) a.model?.dispose();
  attached.clear();
  await registry?.close();
  return c;
}

async function handle(m: ToLogWorker): Promise<void> {
  switch (m.t) {
    case 'events':
      logEvents(m);
      return;
    case 'attach':
      return attach(m.model, m.version);
    case 'detach':
      return detach(m.model, m.version);
    case 'flush':
      await logger?.flush();
      post({ t: 'reply', seq: m.seq, ok: true, value: null, counters: counters() });
      return;
    case 'feedback':
      try {
        post({ t: 'reply', seq: m.seq, ok: true, value: await feedback(m.items) });
      } catch (e) {
        post({ t: 'reply', seq: m.seq, ok: false, error: toWire(e) });
      }
      return;
    case 'close': {
      const c = await close();
      post({ t: 'reply', seq: m.seq, ok: true, value: null, counters: c });
      return;
    }
  }
}

let chain: Promise<void> = start();
port.on('message', (m: ToLogWorker) => {
  chain = chain
    .then(() => handle(m))
    .catch((e: unknown) => post({ t: 'problem', event: 'prediction_log_error', error: toWire(e) }));
});
// Counters between acks: the logger writes after the ack, and the event loop's
// side counts the queue as full until it hears the queue went down.
let lastSent = '';
const tick = setInterval(() => {
  if (logger === null) return;
  const c = counters();
  const key = `${c.queueDepth}/${c.flushed}/${c.failed}/${c.measured}`;
  if (key === lastSent) return;
  lastSent = key;
  post({ t: 'ack', n: 0, counters: c });
}, 50);
tick.unref();
