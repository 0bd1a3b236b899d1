/**
 * The prediction log's counters on /metrics, read from `PredictionLog`
 * at each scrape (O(1), no I/O): logged, dropped (queue full, exact),
 * failed (lost to a failed write), flushed (written), sampled out, measured
 * for drift, and the queue depth across the buffer, the hand-over and the
 * logging thread.
 * @module
 */
import client from 'prom-client';
import type { LoggerCounters } from '../../monitor/index.js';

type Read = (c: LoggerCounters) => number;

export const LOG_COUNTERS: ReadonlyArray<{ name: string; help: string; read: Read }> = [
  {
    name: 'sentio_prediction_log_logged_total',
    help: 'Predictions accepted into the prediction-log queue',
    read: (c) => c.logged,
  },
  {
    name: 'sentio_prediction_log_dropped_total',
    help: 'Predictions not logged because the prediction-log queue was full (exact)',
    read: (c) => c.dropped,
  },
  {
    name: 'sentio_prediction_log_failed_total',
    help: 'Predictions lost because their batch failed to write to monitor.db (or logging stopped)',
    read: (c) => c.failed,
  },
  {
    name: 'sentio_prediction_log_flushed_total',
    help: 'Predictions written to monitor.db',
    read: (c) => c.flushed,
  },
  {
    name: 'sentio_prediction_log_sampled_out_total',
    help: 'Predictions skipped by the log sample rate',
    read: (c) => c.sampledOut,
  },
  {
    name: 'sentio_prediction_log_drift_measured_total',
    help: 'Logged texts measured for drift (tokens, out-of-vocabulary rate)',
    read: (c) => c.measured,
  },
];

export const LOG_QUEUE_DEPTH = 'sentio_prediction_log_queue_depth';

export function registerLogMetrics(
  registry: client.Registry,
  counters: () => LoggerCounters,
  names: readonly string[] = [...LOG_COUNTERS.map((c) => c.name), LOG_QUEUE_DEPTH],
): void {
  for (const spec of LOG_COUNTERS) {
    if (!names.includes(spec.name)) continue;
    new client.Counter({
      name: spec.name,
      help: spec.help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(spec.read(counters()));
      },
    });
  }
  if (names.includes(LOG_QUEUE_DEPTH)) {
    new client.Gauge({
      name: LOG_QUEUE_DEPTH,
      help: 'Predictions waiting to be written (buffered, handed over, in the logging thread)',
      registers: [registry],
      collect() {
        this.set(counters().queueDepth);
      },
    });
  }
}
