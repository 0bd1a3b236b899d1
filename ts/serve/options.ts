/**
 * What a server is started with, and the limits every request is held to.
 * Defaults are chosen for a loopback deployment of short texts: generous
 * enough that a real client never meets them, small enough that a hostile
 * one cannot exhaust memory or the event loop.
 * @module
 */
import type { Engine } from '../engine/index.js';
import type { Registry } from '../registry/index.js';
import type { PredictionLogOptions, ResolvedLogOptions } from './monitoring/log-options.js';
import type { MonitoringOptions, ResolvedMonitoring } from './monitoring/monitor-options.js';

/** Request, connection and batching limits (all configurable from the CLI). */
export interface ServeLimits {
  /** Largest HTTP request body, bytes. */
  maxBodyBytes: number;
  /** Longest text, in characters (UTF-16 code units, as JSON strings count them). */
  maxTextChars: number;
  /** Most texts in one `texts` request. */
  maxBatchTexts: number;
  /** Most texts one request may ask explanations for (explain is ~20x a prediction). */
  maxExplainTexts: number;
  /** Largest `explain` k. */
  maxExplainFeatures: number;
  /** Time to receive a whole HTTP request (headers + body): slow-loris bound, ms. */
  requestTimeoutMs: number;
  /** Time to receive the request headers, ms. */
  headersTimeoutMs: number;
  /** Idle keep-alive connections are closed after this, ms. */
  keepAliveTimeoutMs: number;
  /** Largest WebSocket message processed; larger ones get an error message. */
  wsMaxMessageBytes: number;
  /** Frames above this close the connection (1009) before they are buffered. */
  wsMaxFrameBytes: number;
  /** Requests one WebSocket connection may have in flight before its reads pause. */
  wsMaxInFlight: number;
  /** Bytes queued for a client that does not read before its reads pause. */
  wsHighWaterBytes: number;
  /** How long a connection may stay paused by backpressure before it is closed, ms. */
  wsStallTimeoutMs: number;
  /** Ping interval; a connection that missed the previous pong is dropped, ms. */
  wsPingIntervalMs: number;
  /** Largest micro-batch: a full batch goes to the engine at once, without waiting for the turn to end. */
  batchMaxTexts: number;
  /** Batches at least this large are scored on the engine's thread pool, off the event loop. */
  batchAsyncThreshold: number;
  /** Pool batches in flight at once; when all are busy, batches are scored on the event loop (never queued). */
  batchMaxAsync: number;
  /** Graceful-shutdown budget for in-flight work, ms. */
  shutdownTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<ServeLimits> = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxTextChars: 100_000,
  maxBatchTexts: 1000,
  maxExplainTexts: 16,
  maxExplainFeatures: 50,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  wsMaxMessageBytes: 1024 * 1024,
  wsMaxFrameBytes: 4 * 1024 * 1024,
  wsMaxInFlight: 256,
  wsHighWaterBytes: 1024 * 1024,
  wsStallTimeoutMs: 10_000,
  wsPingIntervalMs: 30_000,
  batchMaxTexts: 32,
  batchAsyncThreshold: 4,
  batchMaxAsync: 4,
  shutdownTimeoutMs: 10_000,
});

/** Structured-log settings (pino, through Fastify). */
export interface LogOptions {
  /** pino level: fatal, error, warn, info (default), debug, trace, silent. */
  level?: string;
  /** Where JSON lines go (default stdout). */
  stream?: NodeJS.WritableStream;
  /** Log every request (default false: only errors, swaps and lifecycle events). */
  requests?: boolean;
}

export interface ServeOptions {
  /** Store directory (the CLI resolves --store / SENTIO_HOME / ./models before this). */
  store: string;
  /**
   * Models to serve: `NAME@ALIAS`, `NAME@VERSION`, `NAME@latest` or `NAME`
   * (= latest). Default: every model of the store, at `production` when that
   * alias exists, else at `latest`.
   */
  models?: string[];
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When the port is taken, listen on a free one instead of failing (the demo). */
  portFallback?: boolean;
  /** Plain or `sha256:<hex>` keys, one per line; when set, prediction routes need one. */
  apiKeyFile?: string;
  /** File holding the admin token (else env SENTIO_ADMIN_TOKEN; else admin routes are refused). */
  adminTokenFile?: string;
  /** Admin token given directly (tests, embedding); wins over the file and env. */
  adminToken?: string;
  /** Allowed CORS origins (`*` for any); CORS is off when empty. */
  cors?: string[];
  limits?: Partial<ServeLimits>;
  log?: LogOptions;
  /** Alias poll period, ms (default 250: a move is seen well within 1 s). */
  pollIntervalMs?: number;
  /** First retry delay after a version failed to load, ms (doubles up to 5 min). */
  failedRetryMs?: number;
  /** How often rollout counters are written and checked against their thresholds, ms (default 1000). */
  rolloutFlushMs?: number;
  /** Graceful shutdown on SIGTERM/SIGINT (default false; the CLI turns it on). */
  handleSignals?: boolean;
  /** Use these instead of opening/loading them (tests, the demo). Not closed by the server. */
  registry?: Registry;
  engine?: Engine;
  /** Label for logs and metrics in multi-process mode. */
  workerId?: number;
  /**
   * Prediction logging to `<store>/monitor.db` (default: every prediction,
   * text hashed); false turns it off (`--no-prediction-log`).
   */
  predictionLog?: PredictionLogOptions | false;
  /**
   * Drift, accuracy and alert evaluation over the logged traffic, every 15 s
   * in a background thread (default on); false turns it off.
   */
  monitoring?: MonitoringOptions | false;
}

export interface ResolvedServeOptions {
  store: string;
  models: string[] | null;
  port: number;
  host: string;
  apiKeyFile: string | null;
  adminToken: string | null;
  cors: string[];
  limits: ServeLimits;
  log: Required<Omit<LogOptions, 'stream'>> & { stream?: NodeJS.WritableStream };
  pollIntervalMs: number;
  failedRetryMs: number;
  rolloutFlushMs: number;
  handleSignals: boolean;
  workerId: number | null;
  /** null: prediction logging is off. */
  predictionLog: ResolvedLogOptions | null;
  /** null: no monitoring evaluation. */
  monitoring: ResolvedMonitoring | null;
}
