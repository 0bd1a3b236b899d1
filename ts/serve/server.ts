/**
 * `startServer`: open the store, load and verify every served reference,
 * listen (HTTP + WebSocket on one port), watch the registry for alias moves.
 * Resolves once the server answers; `close()` shuts it down gracefully.
 * @module
 */
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { type Engine, loadEngine } from '../engine/index.js';
import { hasCode, SentioError } from '../errors/index.js';
import type { LoggerCounters } from '../monitor/index.js';
import { openRegistry, parseRef, type Registry, SENTIO_VERSION } from '../registry/index.js';
import { Auth, loadKeyFile } from './auth.js';
import type { BatcherOptions } from './batcher.js';
import type { ServerContext } from './context.js';
import { createFastify, installRoutes } from './http/app.js';
import { ServeMetrics } from './metrics.js';
import { ModelCatalog } from './model-catalog.js';
import { ModelSlot } from './model-slot.js';
import { registerLogMetrics } from './monitoring/log-metrics.js';
import type { EvaluationReply } from './monitoring/monitor-protocol.js';
import { PredictionLog } from './monitoring/prediction-log.js';
import { ModelRequestCounts } from './monitoring/request-counts.js';
import { ServerMonitoring } from './monitoring/server-monitoring.js';
import { DEFAULT_OFF_PATH_LIMITS } from './off-path.js';
import type { ServeOptions } from './options.js';
import { PredictionIds } from './prediction-id.js';
import { resolveServeOptions } from './resolve-options.js';
import { gracefulClose } from './shutdown.js';
import { StoreWriter } from './store-writer.js';
import { ModelWatcher } from './watcher.js';
import { WsEndpoint } from './ws/ws-server.js';

export interface RunningServer {
  /** `http://host:port` (IPv6 hosts bracketed). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly app: FastifyInstance;
  /** Served references: version, alias, status, since, last failure. */
  models(): Array<Record<string, unknown>>;
  /** Check the registry now (as POST /v1/admin/reload). */
  reload(): Promise<void>;
  /** This server's id in rollout stats rows and abort records. */
  readonly instance: string;
  /** Wait for queued rollout comparisons, then write every rollout's counters now. */
  flushRollouts(): Promise<void>;
  /** Write every prediction logged so far to monitor.db. */
  flushPredictionLog(): Promise<void>;
  /** The prediction log's counters (as /metrics shows them). */
  predictionLogCounters(): LoggerCounters;
  /** Run the monitoring evaluation now (as every 15 s); null when off or failed. */
  evaluateMonitoring(): Promise<EvaluationReply | null>;
  /** Graceful shutdown; idempotent. */
  close(): Promise<void>;
  /** Settles when the server has stopped (by close() or a signal). */
  readonly closed: Promise<void>;
}

/** Without --model: every model, at `production` when it has that alias, else its latest version. */
export async function defaultRefs(registry: Registry): Promise<string[]> {
  const refs = (await registry.listModels())
    .filter((m) => m.latestVersion !== null)
    .map((m) => (m.aliases.production !== undefined ? `${m.name}@production` : `${m.name}@latest`));
  if (refs.length === 0) {
    throw new SentioError(
      'SERVE_BAD_OPTION',
      `the store ${registry.dir} has no model versions to serve; train one first (sentio train / sentio demo)`,
    );
  }
  return refs;
}

let serversInProcess = 0;
/** How long start-up waits for the logging thread to open monitor.db (it keeps starting after). */
const LOG_READY_TIMEOUT_MS = 10_000;

/** This server's id in rollout stats and abort records: host:pid (then #2, #3… in one process). */
function instanceId(): string {
  serversInProcess++;
  const base = `${os.hostname()}:${process.pid}`;
  return serversInProcess === 1 ? base : `${base}#${serversInProcess}`;
}

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function engineOrFail(): Promise<Engine> {
  try {
    return await loadEngine();
  } catch (e) {
    throw new SentioError(
      'ENGINE_UNAVAILABLE',
      `no engine backend could be loaded: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const opts = resolveServeOptions(options);
  const apiKeys = opts.apiKeyFile !== null ? loadKeyFile(opts.apiKeyFile) : null;
  const ownsRegistry = options.registry === undefined;
  const registry = options.registry ?? (await openRegistry(opts.store, { readonly: true }));
  const writer = new StoreWriter(opts.store, options.registry ?? null);
  let app: FastifyInstance | null = null;
  let watcher: ModelWatcher | null = null;
  let predictionLog: PredictionLog | null = null;
  let monitoring: ServerMonitoring | null = null;
  try {
    const engine = options.engine ?? (await engineOrFail());
    const refs = opts.models ?? (await defaultRefs(registry));
    for (const ref of refs) parseRef(ref); // REGISTRY_BAD_REF before anything loads
    const catalog = new ModelCatalog(refs.map((r) => new ModelSlot(r)));
    const metrics = new ServeMetrics(
      opts.workerId !== null ? { worker: String(opts.workerId) } : {},
    );
    app = createFastify(opts, metrics);
    const instance = instanceId();
    predictionLog = new PredictionLog({
      store: opts.store,
      options: opts.predictionLog,
      writer: instance,
      log: app.log,
    });
    const plog = predictionLog;
    if (opts.predictionLog !== null) registerLogMetrics(metrics.registry, () => plog.counters());
    const counts = new ModelRequestCounts();
    monitoring = await ServerMonitoring.create({
      store: opts.store,
      options: opts.monitoring,
      // One process of a cluster evaluates alerts (no duplicate notifications); all export signals.
      alerting: opts.workerId === null || opts.workerId === 1,
      registry: metrics.registry,
      log: app.log,
      models: () => catalog.names,
      counts: () => counts.snapshot(),
    });
    const mon = monitoring;
    const ids = new PredictionIds();
    const batching = (model: string): BatcherOptions => ({
      maxBatch: opts.limits.batchMaxTexts,
      asyncThreshold: opts.limits.batchAsyncThreshold,
      maxAsyncInFlight: opts.limits.batchMaxAsync,
      onBatch: (n: number) => metrics.batch(model, n),
    });
    watcher = new ModelWatcher({
      registry,
      engine,
      catalog,
      metrics,
      log: app.log,
      batching,
      pollIntervalMs: opts.pollIntervalMs,
      failedRetryMs: opts.failedRetryMs,
      rollouts: {
        writer,
        instance,
        flushIntervalMs: opts.rolloutFlushMs,
        offPath: DEFAULT_OFF_PATH_LIMITS,
      },
      predictionLog: opts.predictionLog !== null ? predictionLog : null,
      onRolloutAborted: () => mon.evaluateSoon(),
    });
    const ctx: ServerContext = {
      options: opts,
      catalog,
      watcher,
      rollouts: watcher.rollouts,
      registry,
      writer,
      engine,
      metrics,
      auth: new Auth(apiKeys, opts.adminToken),
      ids,
      predict: {
        ids,
        metrics,
        asyncThreshold: opts.limits.batchAsyncThreshold,
        log: opts.predictionLog !== null ? predictionLog : null,
        counts,
      },
      predictionLog,
      monitoring,
      state: { draining: false, startedAt: new Date().toISOString() },
      log: app.log,
      engineInfo: { backend: engine.backend, version: engine.version },
    };
    installRoutes(app, ctx, SENTIO_VERSION);
    await watcher.initialLoad();
    // The logging thread started with the server; wait (bounded) until it has monitor.db open.
    await Promise.race([
      plog.ready,
      new Promise((r) => setTimeout(r, LOG_READY_TIMEOUT_MS).unref()),
    ]);
    try {
      try {
        await app.listen({ port: opts.port, host: opts.host });
      } catch (e) {
        if (!(options.portFallback && hasCode(e) && e.code === 'EADDRINUSE')) throw e;
        app.log.warn(
          { event: 'port_taken', port: opts.port },
          `port ${opts.port} is taken; using a free one`,
        );
        await app.listen({ port: 0, host: opts.host });
      }
    } catch (e) {
      throw new SentioError(
        'SERVE_LISTEN_FAILED',
        `cannot listen on ${formatUrl(opts.host, opts.port)}: ${hasCode(e) ? `${e.code} ${e.message}` : String(e)}`,
      );
    }
    const ws = new WsEndpoint(app.server, ctx, app.log);
    watcher.start();
    monitoring.start();
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
    const url = formatUrl(opts.host, port);
    app.log.info(
      { event: 'server_started', url, models: catalog.slots.map((s) => s.describe()) },
      `Sentio serving ${refs.join(', ')} on ${url}`,
    );
    const running = gracefulClose({
      app,
      ws,
      watcher,
      rollouts: watcher.rollouts,
      predictionLog,
      monitoring,
      state: ctx.state,
      timeoutMs: opts.limits.shutdownTimeoutMs,
      closeRegistry: async () => {
        await writer.close();
        if (ownsRegistry) await registry.close();
      },
      handleSignals: opts.handleSignals,
    });
    const fastify = app;
    return {
      url,
      host: opts.host,
      port,
      app: fastify,
      models: () => catalog.slots.map((s) => s.describe()),
      reload: () => ctx.watcher.reload(),
      instance: ctx.rollouts.instance,
      flushRollouts: async () => {
        await ctx.rollouts.settle();
        await ctx.rollouts.flushNow();
      },
      flushPredictionLog: () => plog.flush(),
      predictionLogCounters: () => plog.counters(),
      evaluateMonitoring: () => mon.evaluate(),
      close: running.close,
      closed: running.closed,
    };
  } catch (e) {
    await watcher?.stop().catch(() => {});
    await watcher?.rollouts.stop().catch(() => {});
    await monitoring?.close(1000).catch(() => {});
    await predictionLog?.close(1000).catch(() => {});
    await app?.close().catch(() => {});
    await writer.close().catch(() => {});
    if (ownsRegistry) await registry.close().catch(() => {});
    throw e;
  }
}
