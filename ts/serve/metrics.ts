/**
 * Prometheus metrics of one server (its own prom-client registry, so several
 * servers in one process, as in the tests, do not mix). Label children on the
 * hot path are cached: prom-client hashes label values on every `labels()`.
 * @module
 */
import client from 'prom-client';

const LATENCY_BUCKETS = [
  0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

type CounterChild = client.Counter.Internal;
type HistogramChild = client.Histogram.Internal<string>;

/** `metric.labels(...)`, memoized per label values. */
function cached<C>(metric: { labels(...values: string[]): C }): (...values: string[]) => C {
  const children = new Map<string, C>();
  return (...values: string[]) => {
    const key = values.join('\u0000');
    let c = children.get(key);
    if (c === undefined) {
      c = metric.labels(...values);
      children.set(key, c);
    }
    return c;
  };
}

export class ServeMetrics {
  readonly registry = new client.Registry();
  private readonly httpRequests: (...v: string[]) => CounterChild;
  private readonly httpLatency: (...v: string[]) => HistogramChild;
  private readonly wsMessages: (...v: string[]) => CounterChild;
  private readonly wsLatency: client.Histogram<string>;
  private readonly predictions: (...v: string[]) => CounterChild;
  private readonly batchSize: (...v: string[]) => HistogramChild;
  private readonly errors: (...v: string[]) => CounterChild;
  private readonly versionInfo: client.Gauge<string>;
  private readonly swaps: client.Counter<string>;
  private readonly swapFailures: client.Counter<string>;
  private readonly loadSeconds: client.Histogram<string>;
  private readonly pollErrors: client.Counter<string>;
  private readonly registryUp: client.Gauge<string>;
  private readonly registryReconnects: client.Counter<string>;
  readonly wsConnections: client.Gauge<string>;
  private readonly wsDisconnects: client.Counter<string>;
  private readonly rolloutRequests: (...v: string[]) => CounterChild;
  private readonly rolloutComparisons: (...v: string[]) => CounterChild;
  private readonly rolloutDisagreements: (...v: string[]) => CounterChild;
  private readonly rolloutDrops: (...v: string[]) => CounterChild;
  private readonly rolloutAborts: client.Counter<string>;
  private readonly rolloutInfo: client.Gauge<string>;
  private readonly rolloutFlushErrors: client.Counter<string>;
  private readonly feedbackItems: client.Counter<string>;
  private readonly infoLabels = new Map<string, Record<string, string>>();

  constructor(defaults: Record<string, string> = {}) {
    const registers = [this.registry];
    this.registry.setDefaultLabels(defaults);
    client.collectDefaultMetrics({ register: this.registry, prefix: 'sentio_process_' });
    this.httpRequests = cached(
      new client.Counter({
        name: 'sentio_http_requests_total',
        help: 'HTTP requests answered, by method, route and status',
        labelNames: ['method', 'route', 'status'],
        registers,
      }),
    );
    this.httpLatency = cached(
      new client.Histogram({
        name: 'sentio_http_request_duration_seconds',
        help: 'HTTP request latency (first byte in to last byte out), by route',
        labelNames: ['route'],
        buckets: LATENCY_BUCKETS,
        registers,
      }),
    );
    this.wsMessages = cached(
      new client.Counter({
        name: 'sentio_ws_messages_total',
        help: 'WebSocket request messages answered, by outcome (ok or error)',
        labelNames: ['outcome'],
        registers,
      }),
    );
    this.wsLatency = new client.Histogram({
      name: 'sentio_ws_message_duration_seconds',
      help: 'WebSocket request latency, message parsed to answer queued',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.predictions = cached(
      new client.Counter({
        name: 'sentio_predictions_total',
        help: 'Texts scored, by model and the version that scored them',
        labelNames: ['model', 'version'],
        registers,
      }),
    );
    this.batchSize = cached(
      new client.Histogram({
        name: 'sentio_batch_size',
        help: 'Texts per engine call (micro-batches and client batches), by model',
        labelNames: ['model'],
        buckets: BATCH_BUCKETS,
        registers,
      }),
    );
    this.errors = cached(
      new client.Counter({
        name: 'sentio_errors_total',
        help: 'Error answers, by stable error code and transport (http, ws)',
        labelNames: ['code', 'transport'],
        registers,
      }),
    );
    this.versionInfo = new client.Gauge({
      name: 'sentio_model_version_info',
      help: 'The version answering for each served reference (value 1)',
      labelNames: ['model', 'ref', 'alias', 'version', 'sha256'],
      registers,
    });
    this.swaps = new client.Counter({
      name: 'sentio_model_swaps_total',
      help: 'Hot swaps completed, by served reference',
      labelNames: ['model', 'ref'],
      registers,
    });
    this.swapFailures = new client.Counter({
      name: 'sentio_model_swap_failures_total',
      help: 'Versions that failed to load or verify and were not switched to',
      labelNames: ['model', 'ref', 'version', 'code'],
      registers,
    });
    this.loadSeconds = new client.Histogram({
      name: 'sentio_model_load_seconds',
      help: 'Time to load and verify a version (artifact check, engine load, smoke prediction)',
      labelNames: ['model'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.pollErrors = new client.Counter({
      name: 'sentio_registry_poll_errors_total',
      help: 'Failed registry polls (the served versions stay as they are)',
      registers,
    });
    this.registryUp = new client.Gauge({
      name: 'sentio_registry_connected',
      help: 'Whether the server holds its registry change connection (PostgreSQL push; always 1 when polling SQLite)',
      registers,
    });
    this.registryUp.set(1);
    this.registryReconnects = new client.Counter({
      name: 'sentio_registry_reconnects_total',
      help: 'Registry change connections re-established after a loss (each followed by a full re-read)',
      registers,
    });
    this.wsConnections = new client.Gauge({
      name: 'sentio_ws_connections',
      help: 'Open WebSocket connections',
      registers,
    });
    this.wsDisconnects = new client.Counter({
      name: 'sentio_ws_disconnects_total',
      help: 'WebSocket connections closed, by reason',
      labelNames: ['reason'],
      registers,
    });
    const rollout = ['model', 'env', 'kind'];
    this.rolloutRequests = cached(
      new client.Counter({
        name: 'sentio_rollout_requests_total',
        help: 'Requests of an active canary/shadow, by arm (stable, candidate) and the version that scored them',
        labelNames: [...rollout, 'arm', 'version'],
        registers,
      }),
    );
    this.rolloutComparisons = cached(
      new client.Counter({
        name: 'sentio_rollout_comparisons_total',
        help: 'Texts scored by both the stable and the candidate version (off the hot path)',
        labelNames: rollout,
        registers,
      }),
    );
    this.rolloutDisagreements = cached(
      new client.Counter({
        name: 'sentio_rollout_disagreements_total',
        help: 'Compared texts the candidate labelled differently from the stable version',
        labelNames: rollout,
        registers,
      }),
    );
    this.rolloutDrops = cached(
      new client.Counter({
        name: 'sentio_rollout_dropped_total',
        help: 'Texts not compared because the off-path queue was full (answers are never delayed)',
        labelNames: rollout,
        registers,
      }),
    );
    this.rolloutAborts = new client.Counter({
      name: 'sentio_rollout_aborts_total',
      help: 'Rollouts this server aborted automatically, by the threshold that tripped',
      labelNames: [...rollout, 'metric'],
      registers,
    });
    this.rolloutInfo = new client.Gauge({
      name: 'sentio_rollout_info',
      help: 'Active rollouts this server follows (value 1): candidate version and traffic share',
      labelNames: [...rollout, 'rollout', 'version', 'percent'],
      registers,
    });
    this.feedbackItems = new client.Counter({
      name: 'sentio_feedback_items_total',
      help: 'Ground-truth labels received by POST /v1/feedback, by outcome (recorded, updated, unknown)',
      labelNames: ['outcome'],
      registers,
    });
    this.rolloutFlushErrors = new client.Counter({
      name: 'sentio_rollout_flush_errors_total',
      help: 'Failed writes of rollout counters or aborts to the registry (retried)',
      registers,
    });
  }

  http(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests(method, route, String(status)).inc();
    this.httpLatency(route).observe(seconds);
  }

  ws(ok: boolean, seconds: number): void {
    this.wsMessages(ok ? 'ok' : 'error').inc();
    this.wsLatency.observe(seconds);
  }

  predicted(model: string, version: number, n: number): void {
    this.predictions(model, String(version)).inc(n);
  }

  batch(model: string, size: number): void {
    this.batchSize(model).observe(size);
  }

  error(code: string, transport: 'http' | 'ws'): void {
    this.errors(code, transport).inc();
  }

  /** The reference now answers with this version. */
  serving(ref: string, model: string, alias: string | null, version: number, sha256: string): void {
    const prev = this.infoLabels.get(ref);
    if (prev !== undefined) this.versionInfo.remove(prev);
    const labels = { model, ref, alias: alias ?? '', version: String(version), sha256 };
    this.infoLabels.set(ref, labels);
    this.versionInfo.set(labels, 1);
  }

  swapped(model: string, ref: string): void {
    this.swaps.inc({ model, ref });
  }

  swapFailed(model: string, ref: string, version: number, code: string): void {
    this.swapFailures.inc({ model, ref, version: String(version), code });
  }

  loaded(model: string, seconds: number): void {
    this.loadSeconds.observe({ model }, seconds);
  }

  pollFailed(): void {
    this.pollErrors.inc();
  }

  registryConnected(up: boolean): void {
    this.registryUp.set(up ? 1 : 0);
  }

  registryReconnected(): void {
    this.registryReconnects.inc();
  }

  disconnected(reason: string): void {
    this.wsDisconnects.inc({ reason });
  }

  rolloutRequest(model: string, env: string, kind: string, arm: string, version: number): void {
    this.rolloutRequests(model, env, kind, arm, String(version)).inc();
  }

  rolloutCompared(model: string, env: string, kind: string, n: number, disagreed: number): void {
    this.rolloutComparisons(model, env, kind).inc(n);
    if (disagreed > 0) this.rolloutDisagreements(model, env, kind).inc(disagreed);
  }

  rolloutDropped(model: string, env: string, kind: string, n: number): void {
    this.rolloutDrops(model, env, kind).inc(n);
  }

  rolloutAborted(model: string, env: string, kind: string, metric: string): void {
    this.rolloutAborts.inc({ model, env, kind, metric });
  }

  rolloutActive(
    r: { id: number; model: string; env: string; kind: string; version: number; percent: number },
    on: boolean,
  ): void {
    const labels = {
      model: r.model,
      env: r.env,
      kind: r.kind,
      rollout: String(r.id),
      version: String(r.version),
      percent: String(r.percent),
    };
    if (on) this.rolloutInfo.set(labels, 1);
    else this.rolloutInfo.remove(labels);
  }

  feedback(recorded: number, updated: number, unknown: number): void {
    if (recorded > 0) this.feedbackItems.inc({ outcome: 'recorded' }, recorded);
    if (updated > 0) this.feedbackItems.inc({ outcome: 'updated' }, updated);
    if (unknown > 0) this.feedbackItems.inc({ outcome: 'unknown' }, unknown);
  }

  rolloutFlushFailed(): void {
    this.rolloutFlushErrors.inc();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
