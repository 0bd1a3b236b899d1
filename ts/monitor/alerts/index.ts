/**
 * Alerting on monitoring signals: rules per model, the alert state machine,
 * its SQLite store, the signal collector, the engine and the notifiers.
 * Re-exported by ts/monitor/index.ts (the one entry point of monitoring).
 * @module
 */
export { COLLECTOR_DEFAULTS, type CollectorOptions, quantile, SignalCollector } from './collect.js';
export {
  ALERT_ENGINE_DEFAULTS,
  AlertEngine,
  type AlertEngineCounters,
  type AlertEngineOptions,
  type EvaluationResult,
} from './engine.js';
export { driftLine, evaluateRules } from './evaluate.js';
export { type LineLogger, LogNotifier } from './log-notifier.js';
export { type WebhookAlert, type WebhookPayload, webhookPayload } from './payload.js';
export { getRuleSet, readRulesFile, setRules, setRulesFromFile } from './rule-store.js';
export {
  DEFAULT_RULE_DOCUMENTS,
  defaultRules,
  durationText,
  type ParsedRuleDocument,
  parseRule,
  parseRuleDocument,
  ruleCondition,
  ruleDocument,
} from './rules.js';
export { SIGNATURE_HEADER, signBody, verifySignature } from './signature.js';
export { type OpenAlertStoreOptions, openAlertStore, SqliteAlertStore } from './sqlite-store.js';
export { fingerprint, isOpen, type StepResult, step } from './state-machine.js';
export type * from './types.js';
export { ALERT_STATES, RULE_KINDS, SEVERITIES } from './types.js';
export {
  backoffDelay,
  type WebhookCounters,
  WebhookNotifier,
  type WebhookOptions,
} from './webhook.js';
