/**
 * Deployment: environments, promotion gates, rollback, approvals, history,
 * canary and shadow rollouts — one implementation behind two front ends
 * (the `sentio` CLI and the server's admin routes).
 *
 *   await deploy(reg, engine, { ref: 'sentiment@4', env: 'staging' });
 *   await promote(reg, engine, { model: 'sentiment', reason: 'beats v3' });   // staging → production, gated
 *   await rollback(reg, { model: 'sentiment', env: 'production' });
 *   (await history(reg, { model: 'sentiment', env: 'production', at: '2026-05-01T12:00Z' })).at;
 *
 * The only file other modules import from ts/deploy.
 * @module
 */
export { type ApproveOptions, approve } from './approve.js';
export {
  approvalGate,
  checksumGate,
  PARITY_SAMPLE_SIZE,
  parityGate,
  paritySample,
} from './checks.js';
export {
  addEnvironment,
  envVersion,
  listEnvironments,
  removeEnvironment,
  requireEnv,
} from './environments.js';
export { fmt, parseGate } from './gate-expr.js';
export { type GateRunInput, runGates } from './gated-move.js';
export {
  type HistoryOptions,
  history,
  mergeHistory,
  parseInstant,
  servingAt,
} from './history.js';
export { personOf, resolveWho, samePerson } from './identity.js';
export { evaluateMetricGate, evaluateMetricGates } from './metric-gates.js';
export {
  type DeployOptions,
  deploy,
  type GateOptions,
  type PromoteOptions,
  promote,
  type RollbackOptions,
  rollback,
} from './moves.js';
export { emptyPolicy, parityBlocks, parsePolicy, policyDocument } from './policy.js';
export {
  clearPolicy,
  getPolicy,
  type PolicyShow,
  readPolicyFile,
  setPolicy,
  setPolicyFromFile,
  showPolicy,
} from './policy-store.js';
export { buildReport, NO_FEEDBACK } from './report.js';
export {
  activeRollout,
  canaryPromote,
  canaryStart,
  canaryStatus,
  canaryStop,
  type RolloutStartOptions,
  type RolloutTarget,
  rolloutReport,
  shadowReport,
  shadowStart,
  shadowStop,
} from './rollouts.js';
export * from './stats.js';
export {
  checkThreshold,
  resolveThresholds,
  storedThresholds,
  THRESHOLD_KEYS,
  validateThresholds,
} from './thresholds.js';
export type * from './types.js';
