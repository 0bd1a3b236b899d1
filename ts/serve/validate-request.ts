/**
 * The one validator of prediction requests, shared by REST and WebSocket so
 * both transports answer the same mistake with the same code and message.
 * Hand-written rather than schema-driven: each rule maps to a stable code
 * (SERVE_EMPTY_TEXT, SERVE_TEXT_TOO_LONG, ...) and names the offending field.
 * @module
 */
import { SentioError } from '../errors/index.js';
import { isAliasName } from '../registry/index.js';
import type { ServeLimits } from './options.js';

export interface PredictRequest {
  /** Exactly one of text / texts. */
  text?: string;
  texts?: string[];
  /** Number of top features to explain (0: no explanation). */
  explain: number;
  alias?: string;
  version?: number;
}

export const DEFAULT_EXPLAIN_FEATURES = 10;
/** Longest canary routing key (header or WebSocket `key`). */
export const MAX_ROUTING_KEY_CHARS = 1024;
const PREDICT_FIELDS = new Set(['text', 'texts', 'explain', 'alias', 'version']);

function invalid(message: string, field?: string): SentioError {
  return new SentioError('SERVE_INVALID_REQUEST', message, field ? { field } : undefined);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

const NON_SPACE = /\S/;

export function checkText(v: unknown, field: string, limits: ServeLimits): string {
  if (typeof v !== 'string') throw invalid(`${field} must be a string, got ${typeName(v)}`, field);
  if (v.length > limits.maxTextChars) {
    throw new SentioError(
      'SERVE_TEXT_TOO_LONG',
      `${field} is ${v.length} characters long; the limit is ${limits.maxTextChars}`,
      { field, length: v.length, limit: limits.maxTextChars },
    );
  }
  if (!NON_SPACE.test(v)) {
    throw new SentioError('SERVE_EMPTY_TEXT', `${field} is empty or only whitespace`, { field });
  }
  return v;
}

function checkExplain(v: unknown, limits: ServeLimits): number {
  if (v === undefined || v === false || v === null) return 0;
  if (v === true) return Math.min(DEFAULT_EXPLAIN_FEATURES, limits.maxExplainFeatures);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > limits.maxExplainFeatures) {
    throw invalid(
      `explain must be true or a whole number of features from 0 to ${limits.maxExplainFeatures}, got ${typeof v === 'number' ? v : typeName(v)}`,
      'explain',
    );
  }
  return v;
}

/** A canary routing key: a non-empty string of at most MAX_ROUTING_KEY_CHARS. */
export function checkRoutingKey(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ROUTING_KEY_CHARS) {
    throw invalid(
      `${what} must be a non-empty string of at most ${MAX_ROUTING_KEY_CHARS} characters, got ${typeof v === 'string' ? `${v.length} characters` : typeName(v)}`,
      'key',
    );
  }
  return v;
}

/**
 * Validate a prediction request object. `extraFields` are allowed too (the
 * WebSocket envelope's id, model, type) and checked by the caller.
 */
export function validatePredictRequest(
  body: unknown,
  limits: ServeLimits,
  extraFields?: ReadonlySet<string>,
): PredictRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`the request must be a JSON object, got ${typeName(body)}`);
  }
  const b = body as Record<string, unknown>;
  for (const key in b) {
    if (!PREDICT_FIELDS.has(key) && !extraFields?.has(key)) {
      throw invalid(
        `unknown field "${key.length > 64 ? `${key.slice(0, 64)}…` : key}" (expected text or texts, and optionally explain, alias, version)`,
        key,
      );
    }
  }
  const req: PredictRequest = { explain: checkExplain(b.explain, limits) };
  if (b.text !== undefined && b.texts !== undefined) {
    throw invalid('give either text or texts, not both');
  }
  if (b.text !== undefined) {
    req.text = checkText(b.text, 'text', limits);
  } else if (b.texts !== undefined) {
    const texts = b.texts;
    if (!Array.isArray(texts)) {
      throw invalid(`texts must be an array of strings, got ${typeName(texts)}`, 'texts');
    }
    if (texts.length === 0) throw invalid('texts must not be empty', 'texts');
    if (texts.length > limits.maxBatchTexts) {
      throw new SentioError(
        'SERVE_BATCH_TOO_LARGE',
        `texts has ${texts.length} items; the limit is ${limits.maxBatchTexts} per request`,
        { field: 'texts', count: texts.length, limit: limits.maxBatchTexts },
      );
    }
    for (let i = 0; i < texts.length; i++) checkText(texts[i], `texts[${i}]`, limits);
    req.texts = texts as string[];
  } else {
    throw invalid('missing field: text (a string) or texts (an array of strings)', 'text');
  }
  if (req.explain > 0) {
    const n = req.texts?.length ?? 1;
    if (n > limits.maxExplainTexts) {
      throw new SentioError(
        'SERVE_BATCH_TOO_LARGE',
        `explanations are limited to ${limits.maxExplainTexts} texts per request, got ${n}`,
        { field: 'explain', count: n, limit: limits.maxExplainTexts },
      );
    }
  }
  if (b.alias !== undefined) {
    if (typeof b.alias !== 'string' || !(b.alias === 'latest' || isAliasName(b.alias))) {
      throw invalid(
        `alias must be an alias name such as "production", got ${typeof b.alias === 'string' ? `"${b.alias.slice(0, 64)}"` : typeName(b.alias)}`,
        'alias',
      );
    }
    req.alias = b.alias;
  }
  if (b.version !== undefined) {
    const v = b.version;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      throw invalid(
        `version must be a whole number ≥ 1, got ${typeof v === 'number' ? v : typeName(v)}`,
        'version',
      );
    }
    req.version = v;
  }
  return req;
}
