/**
 * Monitoring: prediction logs, ground truth, live performance and drift.
 *
 *   const backend = await openMonitorStore('./models');        // <store>/monitor.db
 *   const logger = new PredictionLogger(backend, { textMode: 'hash' });
 *   logger.attach('imdb', 3, engineModel, profile.reference);   // drift accounting
 *   logger.log({ id, model: 'imdb', version: 3, label, classes, probabilities, latencyMs, text });
 *   await recordFeedback(backend, id, 'positive');
 *   const report = await monitorReport({ backend, registry, model: 'imdb', window: parseWindow('1h') });
 *   await logger.close();
 *
 * Alerting (alerts/): rules per model, state in monitor.db, webhooks and logs:
 *   const engine = new AlertEngine({ signals: () => collector.collect(), store, notifiers });
 * Prometheus: `createMonitorMetrics` exports the same signals (names in metric-names.ts).
 *
 * The only file other modules import from ts/monitor.
 * @module
 */
export { DriftProbe, type TextMeasure } from './accounting.js';
export * from './alerts/index.js';
export { type DigestColumn, digestAt, RawDigests } from './digests.js';
export * from './drift-stats.js';
export { CSV_COLUMNS, csvHeader, type ExportFormat, exportObject, formatRow } from './export.js';
export { type ImportResult, importFeedback, normalizeLabel, recordFeedback } from './feedback.js';
export { renderHtmlReport } from './html.js';
export {
  LOGGER_DEFAULTS,
  type LoggerCounters,
  type LoggerOptions,
  PredictionLogger,
  type RetentionOptions,
  type Sha256Each,
} from './logger.js';
export { type MetricSpec, MONITOR_METRICS, SERVE_METRICS } from './metric-names.js';
export { MONITOR_MIGRATION_PART } from './migrate-part.js';
export {
  MONITOR_DB_FILE,
  monitorDbPath,
  monitorStoreExists,
  type OpenMonitorOptions,
  openMonitorStore,
} from './open.js';
export {
  type ArmPerformance,
  type ClassPerformance,
  classificationMetrics,
  livePerformance,
  type PerformanceReport,
} from './performance.js';
export {
  createMonitorMetrics,
  MonitorMetrics,
  type MonitorMetricsOptions,
} from './prom-exporter.js';
export {
  type MonitorReport,
  monitorReport,
  type ReportRequest,
  readProfile,
  type SeriesPoint,
} from './report.js';
export {
  computeSignals,
  DEFAULT_THRESHOLDS,
  type DeepPartial,
  resolveThresholds,
  SIGNAL_NAMES,
  type Signal,
  type SignalName,
  type SignalThreshold,
  type Thresholds,
  type Verdict,
  type WindowData,
} from './signals.js';
export { MONITOR_SCHEMA_VERSION } from './sqlite/migrations.js';
export type * from './types.js';
export { ARMS, TEXT_MODES } from './types.js';
export { parseDuration, parseSize, parseWindow, type Window } from './window.js';
