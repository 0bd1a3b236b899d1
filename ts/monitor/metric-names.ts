/**
 * The Prometheus metric names and label sets of monitoring, in one place:
 * the server exports them (through `MonitorMetrics`), the shipped alerting
 * rules (deploy/prometheus/sentio-rules.yml) query them, and a test checks
 * that every name the rules use is either defined here or listed as one the
 * server already exports (ts/serve/metrics.ts). Renaming one is a breaking
 * change for everyone's dashboards and rules: add, never rename.
 *
 * Gauges computed from a window of logged traffic (drift, accuracy, latency)
 * are labelled with the model and the version the window was measured on
 * (the version with the most predictions in it); they are absent while a
 * signal has no verdict (too little data, no reference), so a rule never
 * fires on a guess.
 * @module
 */

export interface MetricSpec {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly labels: readonly string[];
  readonly help: string;
}

function metric(
  name: string,
  type: MetricSpec['type'],
  labels: readonly string[],
  help: string,
): MetricSpec {
  return { name, type, labels, help };
}

const MV = ['model', 'version'] as const;

/** What monitoring adds to a server's /metrics. */
export const MONITOR_METRICS = {
  driftSignal: metric(
    'sentio_drift_signal',
    'gauge',
    [...MV, 'signal'],
    'Drift statistic of a signal over the monitoring window (as `sentio monitor report` prints it); absent without a verdict',
  ),
  driftThreshold: metric(
    'sentio_drift_threshold',
    'gauge',
    [...MV, 'signal', 'direction'],
    'The line the drift statistic is compared with; direction "above": drift when the statistic is above it, "below": when below (text_length KS p-value)',
  ),
  driftWindow: metric(
    'sentio_drift_window_size',
    'gauge',
    [...MV, 'signal'],
    'Predictions (texts, for token_js) the drift statistic was computed on',
  ),
  windowPredictions: metric(
    'sentio_monitor_window_predictions',
    'gauge',
    MV,
    'Logged predictions of the version in the monitoring window',
  ),
  liveAccuracy: metric(
    'sentio_live_accuracy',
    'gauge',
    MV,
    'Accuracy measured on the predictions of the window that received ground truth (feedback); absent without feedback',
  ),
  liveLabelled: metric(
    'sentio_live_labelled',
    'gauge',
    MV,
    'Predictions of the window with ground truth (the sample sentio_live_accuracy is measured on)',
  ),
  offlineAccuracy: metric(
    'sentio_offline_accuracy',
    'gauge',
    MV,
    "The version's offline evaluation accuracy (registry metrics)",
  ),
  expectedAccuracy: metric(
    'sentio_expected_accuracy',
    'gauge',
    MV,
    'Label-free accuracy estimate: mean winning probability over the predictions of the window',
  ),
  referenceExpectedAccuracy: metric(
    'sentio_reference_expected_accuracy',
    'gauge',
    MV,
    "Mean winning probability on the version's evaluation set (what sentio_expected_accuracy is compared with)",
  ),
  latencyP99: metric(
    'sentio_prediction_latency_p99_seconds',
    'gauge',
    MV,
    '99th percentile of logged prediction latency over the window',
  ),
  logLogged: metric(
    'sentio_prediction_log_logged_total',
    'counter',
    [],
    'Predictions accepted into the prediction-log queue',
  ),
  logDropped: metric(
    'sentio_prediction_log_dropped_total',
    'counter',
    [],
    'Predictions not logged because the prediction-log queue was full (exact)',
  ),
  logFailed: metric(
    'sentio_prediction_log_failed_total',
    'counter',
    [],
    'Predictions lost because their batch failed to write to monitor.db',
  ),
  logQueueDepth: metric(
    'sentio_prediction_log_queue_depth',
    'gauge',
    [],
    'Predictions waiting in the prediction-log queue',
  ),
  alerts: metric(
    'sentio_alerts',
    'gauge',
    ['model', 'rule', 'severity', 'state'],
    "Sentio's own alerts by state (pending, firing)",
  ),
  alertNotifications: metric(
    'sentio_alert_notifications_total',
    'counter',
    ['notifier', 'outcome'],
    'Alert notifications by notifier and outcome (delivered, failed after retries, dropped by a full queue)',
  ),
} as const satisfies Record<string, MetricSpec>;

/**
 * Metrics the server already exports (ts/serve/metrics.ts) that the shipped
 * rules use; listed here so the rules can be checked against one list.
 */
export const SERVE_METRICS = {
  predictions: metric(
    'sentio_predictions_total',
    'counter',
    MV,
    'Texts scored, by model and version',
  ),
  httpRequests: metric(
    'sentio_http_requests_total',
    'counter',
    ['method', 'route', 'status'],
    'HTTP requests answered',
  ),
  httpLatency: metric(
    'sentio_http_request_duration_seconds',
    'counter',
    ['route'],
    'HTTP request latency histogram (_bucket, _sum, _count)',
  ),
  rolloutAborts: metric(
    'sentio_rollout_aborts_total',
    'counter',
    ['model', 'env', 'kind', 'metric'],
    'Rollouts the server aborted automatically, by the threshold that tripped',
  ),
} as const satisfies Record<string, MetricSpec>;
