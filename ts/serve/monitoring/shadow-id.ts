/**
 * Off-path scores (a shadow candidate's, or a canary's other arm) are logged
 * under the answered prediction's id plus this suffix, so feedback for the
 * id the client holds can label both.
 * @module
 */
export const SHADOW_SUFFIX = '.shadow';
