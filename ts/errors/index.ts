/**
 * Sentio's one registry of stable error codes, grouped by area
 * (`AREA_WHAT`). The CLI, the REST API and the tests speak these codes; a
 * code's meaning never changes once published.
 * @module
 */

/** How each code surfaces: process exit code and HTTP status. */
export const ERROR_CODES = {
  // CLI usage
  CLI_USAGE: { exit: 2, http: 400 },
  // Data loading
  DATA_NOT_FOUND: { exit: 3, http: 404 },
  DATA_MALFORMED: { exit: 3, http: 400 },
  DATA_EMPTY: { exit: 3, http: 400 },
  DATA_ONE_CLASS: { exit: 3, http: 400 },
  DATA_ENCODING: { exit: 3, http: 400 },
  DATA_MISSING_COLUMN: { exit: 3, http: 400 },
  DATA_UNKNOWN_FORMAT: { exit: 3, http: 400 },
  DATA_UNREADABLE: { exit: 3, http: 500 },
  DATA_UNKNOWN_DATASET: { exit: 3, http: 404 },
  DATA_DOWNLOAD: { exit: 3, http: 502 },
  DATA_CHECKSUM: { exit: 3, http: 502 },
  // Engine (codes from the Rust core, prefixed by area)
  ENGINE_UNAVAILABLE: { exit: 4, http: 500 },
  ENGINE_ERROR: { exit: 4, http: 500 },
  // Training, prediction and evaluation (ts/train)
  TRAIN_BAD_OPTION: { exit: 2, http: 400 },
  TRAIN_CONFIG_FILE: { exit: 2, http: 400 },
  TRAIN_FAILED: { exit: 5, http: 422 },
  TRAIN_MODEL_UNREADABLE: { exit: 5, http: 500 },
  TRAIN_INTERRUPTED: { exit: 130, http: 503 },
  // Registry and experiment tracking (ts/registry)
  REGISTRY_NOT_FOUND: { exit: 6, http: 404 },
  REGISTRY_BAD_REF: { exit: 6, http: 400 },
  REGISTRY_INVALID: { exit: 6, http: 400 },
  REGISTRY_CONFLICT: { exit: 6, http: 409 },
  REGISTRY_STORE_NOT_FOUND: { exit: 6, http: 404 },
  REGISTRY_STORE_TOO_NEW: { exit: 6, http: 409 },
  REGISTRY_STORE_INVALID: { exit: 6, http: 500 },
  REGISTRY_STORE_BUSY: { exit: 6, http: 503 },
  REGISTRY_STORE_READONLY: { exit: 6, http: 500 },
  REGISTRY_STORE_UNREACHABLE: { exit: 6, http: 503 },
  REGISTRY_BACKEND_UNSUPPORTED: { exit: 6, http: 501 },
  REGISTRY_EXPORT_CONFLICT: { exit: 6, http: 409 },
  REGISTRY_IMPORT_INVALID: { exit: 6, http: 400 },
  // Content-addressed artifacts (ts/registry)
  ARTIFACT_MISSING: { exit: 7, http: 404 },
  ARTIFACT_CORRUPT: { exit: 7, http: 500 },
  ARTIFACT_INVALID: { exit: 7, http: 400 },
  // Inference server (ts/serve): request errors map to HTTP statuses, start-up errors to exit codes
  SERVE_BAD_OPTION: { exit: 2, http: 400 },
  SERVE_LISTEN_FAILED: { exit: 8, http: 500 },
  SERVE_MODEL_LOAD_FAILED: { exit: 8, http: 503 },
  SERVE_INVALID_JSON: { exit: 8, http: 400 },
  SERVE_INVALID_UTF8: { exit: 8, http: 400 },
  SERVE_INVALID_REQUEST: { exit: 8, http: 400 },
  SERVE_EMPTY_TEXT: { exit: 8, http: 400 },
  SERVE_TEXT_TOO_LONG: { exit: 8, http: 413 },
  SERVE_BATCH_TOO_LARGE: { exit: 8, http: 413 },
  SERVE_BODY_TOO_LARGE: { exit: 8, http: 413 },
  SERVE_MESSAGE_TOO_LARGE: { exit: 8, http: 413 },
  SERVE_UNSUPPORTED_MEDIA_TYPE: { exit: 8, http: 415 },
  SERVE_BAD_HTTP_REQUEST: { exit: 8, http: 400 },
  SERVE_REQUEST_TIMEOUT: { exit: 8, http: 408 },
  SERVE_ROUTE_NOT_FOUND: { exit: 8, http: 404 },
  SERVE_MODEL_NOT_FOUND: { exit: 8, http: 404 },
  SERVE_ALIAS_NOT_SERVED: { exit: 8, http: 404 },
  SERVE_VERSION_NOT_LOADED: { exit: 8, http: 404 },
  SERVE_VERSION_MISMATCH: { exit: 8, http: 409 },
  SERVE_UNAUTHORIZED: { exit: 8, http: 401 },
  SERVE_FORBIDDEN: { exit: 8, http: 403 },
  SERVE_TOO_MANY_IN_FLIGHT: { exit: 8, http: 429 },
  SERVE_BACKPRESSURE: { exit: 8, http: 503 },
  SERVE_SHUTTING_DOWN: { exit: 8, http: 503 },
  SERVE_PREDICTION_FAILED: { exit: 8, http: 500 },
  // Deployment: environments, gates, rollouts (ts/deploy)
  DEPLOY_BAD_OPTION: { exit: 2, http: 400 },
  DEPLOY_BAD_POLICY: { exit: 9, http: 400 },
  DEPLOY_UNKNOWN_ENV: { exit: 9, http: 404 },
  DEPLOY_GATE_FAILED: { exit: 9, http: 409 },
  DEPLOY_SELF_APPROVAL: { exit: 9, http: 403 },
  DEPLOY_NOTHING_TO_DO: { exit: 9, http: 409 },
  DEPLOY_NO_PREVIOUS: { exit: 9, http: 409 },
  DEPLOY_ROLLOUT_ACTIVE: { exit: 9, http: 409 },
  DEPLOY_NO_ROLLOUT: { exit: 9, http: 404 },
  // Monitoring: prediction logs, feedback, drift (ts/monitor)
  MONITOR_BAD_OPTION: { exit: 2, http: 400 },
  MONITOR_STORE_NOT_FOUND: { exit: 10, http: 404 },
  MONITOR_STORE_INVALID: { exit: 10, http: 500 },
  MONITOR_STORE_TOO_NEW: { exit: 10, http: 409 },
  MONITOR_STORE_BUSY: { exit: 10, http: 503 },
  MONITOR_STORE_UNREACHABLE: { exit: 10, http: 503 },
  MONITOR_FEEDBACK_INVALID: { exit: 10, http: 400 },
  MONITOR_UNKNOWN_PREDICTION: { exit: 10, http: 404 },
  MONITOR_NO_REFERENCE: { exit: 10, http: 409 },
  MONITOR_NO_DATA: { exit: 10, http: 404 },
  // Alerting: rules, notifiers (ts/monitor/alerts)
  ALERT_BAD_OPTION: { exit: 2, http: 400 },
  ALERT_RULES_INVALID: { exit: 11, http: 400 },
  ALERT_WEBHOOK_INVALID: { exit: 11, http: 400 },
  // Internal
  INTERNAL: { exit: 70, http: 500 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error a user can act on: a stable code, a message naming what and where. */
export class SentioError extends Error {
  readonly code: ErrorCode | string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode | string,
    message: string,
    details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SentioError';
    this.code = code;
    this.details = details;
  }

  /** Process exit code for this error (1 for codes outside the registry). */
  get exitCode(): number {
    return (ERROR_CODES as Record<string, { exit: number }>)[this.code]?.exit ?? 1;
  }

  /** HTTP status for this error (500 for codes outside the registry). */
  get httpStatus(): number {
    return (ERROR_CODES as Record<string, { http: number }>)[this.code]?.http ?? 500;
  }
}

/** True for errors that carry a stable `code` (Sentio's and the engine's). */
export function hasCode(e: unknown): e is Error & { code: string } {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}
