/**
 * Turn `ServeOptions` into a complete, checked configuration: defaults filled
 * in, every limit a positive integer, the admin token read from its file or
 * the environment. Mistakes fail here, before anything listens.
 * @module
 */
import fs from 'node:fs';
import { SentioError } from '../errors/index.js';
import { resolveLogOptions } from './monitoring/log-options.js';
import { resolveMonitoring } from './monitoring/monitor-options.js';
import {
  DEFAULT_LIMITS,
  type ResolvedServeOptions,
  type ServeLimits,
  type ServeOptions,
} from './options.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const ADMIN_TOKEN_ENV = 'SENTIO_ADMIN_TOKEN';
/** Shorter tokens are refused: they would be guessable. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

function badOption(message: string): SentioError {
  return new SentioError('SERVE_BAD_OPTION', message);
}

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    throw badOption(`${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

export function resolveLimits(given: Partial<ServeLimits> = {}): ServeLimits {
  const limits = { ...DEFAULT_LIMITS } as ServeLimits;
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_LIMITS)) throw badOption(`unknown limit "${key}"`);
    (limits as unknown as Record<string, number>)[key] = positiveInt(key, value);
  }
  if (limits.wsMaxFrameBytes < limits.wsMaxMessageBytes) {
    limits.wsMaxFrameBytes = limits.wsMaxMessageBytes;
  }
  return limits;
}

function readAdminToken(opts: ServeOptions): string | null {
  let token: string | undefined;
  let source: string;
  if (opts.adminToken !== undefined) {
    token = opts.adminToken;
    source = 'adminToken';
  } else if (opts.adminTokenFile !== undefined) {
    source = opts.adminTokenFile;
    try {
      token = fs.readFileSync(opts.adminTokenFile, 'utf8');
    } catch (e) {
      throw badOption(
        `cannot read the admin token file ${opts.adminTokenFile}: ${(e as Error).message}`,
      );
    }
  } else {
    token = process.env[ADMIN_TOKEN_ENV];
    source = ADMIN_TOKEN_ENV;
    if (token === undefined || token.trim() === '') return null;
  }
  token = token.trim();
  if (token.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw badOption(
      `the admin token (${source}) must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces`,
    );
  }
  return token;
}

export function resolveServeOptions(opts: ServeOptions): ResolvedServeOptions {
  if (typeof opts.store !== 'string' || opts.store.trim() === '') {
    throw badOption('a store directory is required');
  }
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw badOption(`port must be an integer in 0..65535, got ${String(opts.port)}`);
  }
  const host = opts.host ?? DEFAULT_HOST;
  if (typeof host !== 'string' || host.trim() === '') throw badOption('host must not be empty');
  const models = opts.models && opts.models.length > 0 ? [...new Set(opts.models)] : null;
  const cors = (opts.cors ?? []).map((o) => o.trim()).filter((o) => o !== '');
  for (const origin of cors) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/i.test(origin)) {
      throw badOption(
        `CORS origin must be "*" or scheme://host[:port] without a path, got "${origin}"`,
      );
    }
  }
  const pollIntervalMs = positiveInt('pollIntervalMs', opts.pollIntervalMs ?? 250);
  if (pollIntervalMs > 1000) {
    throw badOption('pollIntervalMs must be at most 1000 (alias moves are seen within 1 s)');
  }
  return {
    store: opts.store,
    models,
    port,
    host,
    apiKeyFile: opts.apiKeyFile ?? null,
    adminToken: readAdminToken(opts),
    cors,
    limits: resolveLimits(opts.limits),
    log: {
      level: opts.log?.level ?? 'info',
      requests: opts.log?.requests ?? false,
      ...(opts.log?.stream ? { stream: opts.log.stream } : {}),
    },
    pollIntervalMs,
    failedRetryMs: positiveInt('failedRetryMs', opts.failedRetryMs ?? 5_000),
    rolloutFlushMs: positiveInt('rolloutFlushMs', opts.rolloutFlushMs ?? 1_000),
    handleSignals: opts.handleSignals ?? false,
    workerId: opts.workerId ?? null,
    predictionLog: resolveLogOptions(opts.predictionLog),
    monitoring: resolveMonitoring(opts.monitoring),
  };
}
