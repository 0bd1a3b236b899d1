/**
 * Everything a route or WebSocket handler needs, built once per server.
 * @module
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Engine } from '../engine/index.js';
import type { Registry } from '../registry/index.js';
import type { Auth } from './auth.js';
import type { ServeMetrics } from './metrics.js';
import type { ModelCatalog } from './model-catalog.js';
import type { PredictionLog } from './monitoring/prediction-log.js';
import type { ServerMonitoring } from './monitoring/server-monitoring.js';
import type { ResolvedServeOptions } from './options.js';
import type { PredictContext } from './predict.js';
import type { PredictionIds } from './prediction-id.js';
import type { RolloutTracker } from './rollout-tracker.js';
import type { StoreWriter } from './store-writer.js';
import type { ModelWatcher } from './watcher.js';

export interface ServerState {
  /** Set when shutdown begins: /readyz turns 503, new work is refused. */
  draining: boolean;
  startedAt: string;
}

export interface ServerContext {
  options: ResolvedServeOptions;
  catalog: ModelCatalog;
  watcher: ModelWatcher;
  rollouts: RolloutTracker;
  /** The store as the watcher reads it (read-only unless the caller passed its own registry). */
  registry: Registry;
  /** Writable store connection, opened on first use (admin deployment routes, rollout counters). */
  writer: StoreWriter;
  engine: Engine;
  metrics: ServeMetrics;
  auth: Auth;
  ids: PredictionIds;
  predict: PredictContext;
  /** The prediction log (its thread also joins feedback when logging is off). */
  predictionLog: PredictionLog;
  /** Drift, accuracy and alert evaluation (a background thread), and reports. */
  monitoring: ServerMonitoring;
  state: ServerState;
  log: FastifyBaseLogger;
  engineInfo: { backend: string; version: string };
}
