/**
 * `sentio serve`: the inference server (ts/serve) from the command line.
 * Logs are JSON lines on stdout (pino); one human line on stderr says where
 * it listens. `--workers N` forks N processes sharing the port.
 * @module
 */
import { type Command, InvalidArgumentError } from 'commander';
import { SentioError } from '../../errors/index.js';
import { parseDuration } from '../../monitor/index.js';
import {
  announceReady,
  clusterWorkerId,
  DEFAULT_HOST,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  isClusterWorker,
  LOG_DEFAULTS,
  type MonitoringOptions,
  type PredictionLogOptions,
  parseLogText,
  runPrimary,
  type ServeLimits,
  startServer,
} from '../../serve/index.js';
import { color } from '../output.js';
import { resolveStoreDir } from '../store.js';

const LIMIT_HELP: Record<keyof ServeLimits, string> = {
  maxBodyBytes: 'largest HTTP body, bytes',
  maxTextChars: 'longest text, characters',
  maxBatchTexts: 'most texts per request',
  maxExplainTexts: 'most texts explained per request',
  maxExplainFeatures: 'largest explain k',
  requestTimeoutMs: 'time to receive a whole request (slow-loris bound), ms',
  headersTimeoutMs: 'time to receive the request headers, ms',
  keepAliveTimeoutMs: 'idle keep-alive timeout, ms',
  wsMaxMessageBytes: 'largest WebSocket message answered (larger: error message)',
  wsMaxFrameBytes: 'largest WebSocket frame accepted (larger: close 1009)',
  wsMaxInFlight: 'requests in flight per WebSocket before its reads pause',
  wsHighWaterBytes: 'unread answer bytes per WebSocket before its reads pause',
  wsStallTimeoutMs: 'time a non-reading WebSocket client is kept, ms',
  wsPingIntervalMs: 'WebSocket ping interval, ms',
  batchMaxTexts: 'largest micro-batch (a full one is scored at once)',
  batchAsyncThreshold: 'batches this large are scored on the engine thread pool',
  batchMaxAsync: 'thread-pool batches in flight (when busy: scored on the event loop)',
  shutdownTimeoutMs: 'graceful shutdown budget, ms',
};

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return n;
}

function port(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 65535)
    throw new InvalidArgumentError('expected a port 0..65535');
  return n;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

interface ServeCliOptions extends Partial<Record<keyof ServeLimits, number>> {
  model: string[];
  port: number;
  host: string;
  store?: string;
  apiKeyFile?: string;
  adminTokenFile?: string;
  cors: string[];
  workers: number;
  logLevel: string;
  accessLog?: boolean;
  predictionLog: boolean;
  logSampleRate?: number;
  logText: string[];
  driftMaxPerSecond?: number;
  driftBucket?: string;
  monitoring: boolean;
  monitorMaxPredictions?: number;
  monitorInterval: string;
  monitorWindow: string;
  alerts: boolean;
  alertWebhook: string[];
}

function monitoringOptions(opts: ServeCliOptions): MonitoringOptions | false {
  if (!opts.monitoring) return false;
  return {
    intervalMs: parseDuration(opts.monitorInterval, '--monitor-interval'),
    windowMs: parseDuration(opts.monitorWindow, '--monitor-window'),
    ...(opts.monitorMaxPredictions !== undefined
      ? { maxPredictions: opts.monitorMaxPredictions }
      : {}),
    alerts: opts.alerts ? { webhooks: opts.alertWebhook.map((url) => ({ url })) } : false,
  };
}

function rate(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) {
    throw new InvalidArgumentError('expected a number in (0, 1], e.g. 0.1');
  }
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n > 0)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function logOptions(opts: ServeCliOptions): PredictionLogOptions | false {
  if (!opts.predictionLog) return false;
  const text = parseLogText(opts.logText);
  return {
    ...(opts.logSampleRate !== undefined ? { sampleRate: opts.logSampleRate } : {}),
    ...(text.textMode !== undefined ? { textMode: text.textMode } : {}),
    textModes: text.textModes,
    ...(opts.driftMaxPerSecond !== undefined ? { driftMaxPerSecond: opts.driftMaxPerSecond } : {}),
    ...(opts.driftBucket !== undefined
      ? { bucketMs: parseDuration(opts.driftBucket, '--drift-bucket') }
      : {}),
  };
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve registered models over REST and WebSocket, hot-swapping on alias moves')
    .option(
      '-m, --model <ref>',
      'NAME@ALIAS, NAME@VERSION or NAME (latest); repeatable (default: every model at production, else latest)',
      collect,
      [],
    )
    .option('-p, --port <n>', 'port (0: any free port)', port, DEFAULT_PORT)
    .option('--host <host>', 'interface to listen on', DEFAULT_HOST)
    .option('--store <dir>', 'model store (default: $SENTIO_HOME, else ./models)')
    .option(
      '--api-key-file <file>',
      'require an API key on prediction routes (one key or sha256:<hex> per line)',
    )
    .option('--admin-token-file <file>', 'admin token for /v1/admin/* (else $SENTIO_ADMIN_TOKEN)')
    .option('--cors <origin>', 'allow this browser origin (repeatable; * for any)', collect, [])
    .option('--workers <n>', 'processes sharing the port', positiveInt, 1)
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .option('--access-log', 'log every request (default: errors, swaps and lifecycle only)')
    .option('--no-prediction-log', 'do not log predictions to <store>/monitor.db')
    .option('--log-sample-rate <r>', 'share of predictions logged, in (0, 1] (default 1)', rate)
    .option(
      '--log-text <mode>',
      'what the log keeps of each text: hash (default), full or none; MODEL=MODE for one model (repeatable)',
      collect,
      [],
    )
    .option('--no-monitoring', 'no drift, accuracy or alert evaluation in this server')
    .option(
      '--monitor-interval <duration>',
      'how often drift, accuracy and alerts are evaluated',
      '15s',
    )
    .option(
      '--monitor-window <duration>',
      'the window of logged traffic they are measured on',
      '1h',
    )
    .option(
      '--monitor-max-predictions <n>',
      'at most the newest n predictions of the window (default 10000: constant cost)',
      positiveInt,
    )
    .option('--no-alerts', "evaluate drift and accuracy, but not the store's alert rules")
    .option(
      '--alert-webhook <url>',
      'POST alert notifications here (repeatable; signed with $SENTIO_ALERT_WEBHOOK_SECRET)',
      collect,
      [],
    )
    .option(
      '--drift-max-per-second <n>',
      `texts measured for drift per second at most (default ${LOG_DEFAULTS.driftMaxPerSecond})`,
      positiveNumber,
    )
    .option(
      '--drift-bucket <duration>',
      'time resolution of token drift counts (default 5m; shorter: more rows in monitor.db)',
    );
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof ServeLimits>) {
    cmd.option(
      `--${kebab(key)} <n>`,
      `${LIMIT_HELP[key]} (default ${DEFAULT_LIMITS[key]})`,
      positiveInt,
    );
  }
  cmd.action(async (opts: ServeCliOptions) => {
    await runServe(opts);
  });
}

async function runServe(opts: ServeCliOptions): Promise<void> {
  const limits: Partial<ServeLimits> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof ServeLimits>) {
    if (opts[key] !== undefined) limits[key] = opts[key];
  }
  const store = resolveStoreDir({ store: opts.store });
  // Bad values fail here, before any worker starts.
  const predictionLog = logOptions(opts);
  const monitoring = monitoringOptions(opts);
  if (opts.workers > 1 && !isClusterWorker()) {
    const code = await runPrimary(opts.workers, {
      onReady: (url, pids) =>
        process.stderr.write(
          `${color.green('Sentio serving')} on ${color.bold(url)} with ${pids.length} workers (pids ${pids.join(', ')})\n`,
        ),
      onStartFailed: (code) =>
        process.stderr.write(`${color.red('error')}: a worker failed to start (exit ${code})\n`),
      log: (line) => process.stderr.write(`${color.dim(line)}\n`),
    });
    if (code !== 0)
      throw new SentioError('SERVE_LISTEN_FAILED', 'the server workers failed to start');
    return;
  }
  const server = await startServer({
    store,
    models: opts.model,
    port: opts.port,
    host: opts.host,
    ...(opts.apiKeyFile !== undefined ? { apiKeyFile: opts.apiKeyFile } : {}),
    ...(opts.adminTokenFile !== undefined ? { adminTokenFile: opts.adminTokenFile } : {}),
    cors: opts.cors,
    limits,
    log: { level: opts.logLevel, requests: opts.accessLog === true },
    handleSignals: true,
    predictionLog,
    monitoring,
    ...(clusterWorkerId() !== null ? { workerId: clusterWorkerId() as number } : {}),
  });
  if (isClusterWorker()) announceReady(server);
  else {
    const served = server
      .models()
      .map((m) => `${m.ref} (v${m.version})`)
      .join(', ');
    process.stderr.write(
      `${color.green('Sentio serving')} ${served} on ${color.bold(server.url)} — docs ${server.url}/docs\n`,
    );
  }
  await server.closed;
  // A cluster worker's IPC channel would keep it alive after the server stopped.
  if (isClusterWorker()) process.disconnect?.();
}
