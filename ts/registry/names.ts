/**
 * What a name, alias, tag or hash may look like. Checked once, before any
 * backend sees the value, so every backend stores the same shapes.
 * @module
 */
import { invalid } from './errors.js';

/** Model and experiment names: safe in refs, paths and URLs. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Aliases start with a letter, so `NAME@3` is always a version and `NAME@prod` an alias. */
const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const TAG_KEY = /^[A-Za-z0-9_.:/-]{1,128}$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** Names an alias cannot take because refs give them another meaning. */
const RESERVED_ALIASES = new Set(['latest']);

export const MAX_TAG_VALUE = 4096;

export function checkModelName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(
      `invalid model name "${name}": use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`,
      { model: name },
    );
  }
  return name;
}

export function checkExperimentName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid(
      `invalid experiment name "${name}": use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`,
      { experiment: name },
    );
  }
  return name;
}

export function isAliasName(alias: string): boolean {
  return ALIAS.test(alias) && !RESERVED_ALIASES.has(alias);
}

export function checkAlias(alias: string): string {
  if (typeof alias !== 'string' || !isAliasName(alias)) {
    throw invalid(
      `invalid alias "${alias}": use 1-64 letters, digits, "_" or "-", starting with a letter ("latest" is reserved)`,
      { alias },
    );
  }
  return alias;
}

export function checkVersionNumber(version: number): number {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw invalid(`invalid version ${String(version)}: versions are integers from 1`, { version });
  }
  return version;
}

export function isSha256(s: unknown): s is string {
  return typeof s === 'string' && SHA256.test(s);
}

export function checkSha256(s: string, what = 'hash'): string {
  if (!isSha256(s)) {
    throw invalid(`invalid ${what} "${String(s)}": expected 64 lowercase hex characters`, {
      sha256: s,
    });
  }
  return s;
}

/** Tag changes: keys checked, values strings (set) or null (remove). */
export function checkTagChanges(
  tags: Record<string, string | null>,
): Record<string, string | null> {
  for (const [k, v] of Object.entries(tags)) {
    if (!TAG_KEY.test(k)) {
      throw invalid(`invalid tag key "${k}": use 1-128 letters, digits or _ . : / -`, { key: k });
    }
    if (v !== null && (typeof v !== 'string' || v.length > MAX_TAG_VALUE)) {
      throw invalid(
        `invalid value for tag "${k}": a string of at most ${MAX_TAG_VALUE} characters`,
        {
          key: k,
        },
      );
    }
  }
  return tags;
}

export function checkTags(tags: Record<string, string> | undefined): Record<string, string> {
  if (tags === undefined) return {};
  checkTagChanges(tags);
  for (const [k, v] of Object.entries(tags)) {
    if (v === null) throw invalid(`tag "${k}" needs a value`, { key: k });
  }
  return tags;
}

/** Metrics are numbers (NaN and ±Infinity allowed: e.g. log loss of a certain mistake). */
export function checkMetrics(metrics: Record<string, number>): Record<string, number> {
  if (metrics === null || typeof metrics !== 'object') throw invalid('metrics must be an object');
  for (const [k, v] of Object.entries(metrics)) {
    if (k.length === 0 || k.length > 256) throw invalid(`invalid metric name "${k}"`);
    if (typeof v !== 'number') {
      throw invalid(`metric "${k}" must be a number, got ${typeof v}`, { metric: k });
    }
  }
  return metrics;
}
