/**
 * Off-path scores are logged under the answered prediction's id plus a
 * suffix, so feedback for the id the client holds can label them too:
 * `.shadow` for a shadow rollout's candidate, `.compare` for a canary's
 * other arm (one request can have both: a stable answer is compared with
 * the canary candidate and mirrored to a shadow).
 * @module
 */
export const SHADOW_SUFFIX = '.shadow';
export const COMPARE_SUFFIX = '.compare';
export const TWIN_SUFFIXES: readonly string[] = [SHADOW_SUFFIX, COMPARE_SUFFIX];
