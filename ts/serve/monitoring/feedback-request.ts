/**
 * Validation of `POST /v1/feedback` bodies: `{"prediction_id", "label"}` or
 * `{"items": [{"prediction_id", "label"}, ...]}`. Every mistake is a
 * MONITOR_FEEDBACK_INVALID (400) whose message names the offending field
 * (`items[3].label`); labels are normalised as at training (trimmed,
 * lowercased).
 * @module
 */
import { SentioError } from '../../errors/index.js';
import { type FeedbackItem, normalizeLabel } from '../../monitor/index.js';
import { typeName } from '../validate-request.js';

/** Longest prediction id or label accepted (ids the server makes are ~20 characters). */
export const MAX_FEEDBACK_FIELD_CHARS = 256;

export interface FeedbackRequest {
  items: FeedbackItem[];
  /** True for the `{prediction_id, label}` form (answered as one item). */
  single: boolean;
}

function invalid(message: string, field: string): SentioError {
  return new SentioError('MONITOR_FEEDBACK_INVALID', message, { field });
}

function clip(k: string): string {
  return k.length > 64 ? `${k.slice(0, 64)}…` : k;
}

function item(v: unknown, at: string): FeedbackItem {
  const where = (f: string) => (at === '' ? f : `${at}.${f}`);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw invalid(`${at || 'the body'} must be an object, got ${typeName(v)}`, at || 'body');
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (k !== 'prediction_id' && k !== 'label') {
      throw invalid(
        `unknown field "${clip(k)}"${at ? ` in ${at}` : ''} (expected prediction_id and label)`,
        where(k),
      );
    }
  }
  const id = o.prediction_id;
  if (typeof id !== 'string' || id.trim() === '' || id.length > MAX_FEEDBACK_FIELD_CHARS) {
    throw invalid(
      `${where('prediction_id')} must be a non-empty string of at most ${MAX_FEEDBACK_FIELD_CHARS} characters, got ${typeof id === 'string' ? `${id.length} characters` : typeName(id)}`,
      where('prediction_id'),
    );
  }
  const label = o.label;
  if (
    typeof label !== 'string' ||
    normalizeLabel(label) === '' ||
    label.length > MAX_FEEDBACK_FIELD_CHARS
  ) {
    throw invalid(
      `${where('label')} must be a non-empty string of at most ${MAX_FEEDBACK_FIELD_CHARS} characters, got ${typeof label === 'string' ? `${label.length} characters` : typeName(label)}`,
      where('label'),
    );
  }
  return { predictionId: id.trim(), label: normalizeLabel(label), source: 'api' };
}

export function validateFeedback(body: unknown, maxItems: number): FeedbackRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`the request body must be a JSON object, got ${typeName(body)}`, 'body');
  }
  const b = body as Record<string, unknown>;
  const at = Date.now();
  if (!('items' in b)) return { items: [{ ...item(b, ''), at }], single: true };
  for (const k in b) {
    if (k !== 'items') {
      throw invalid(
        `unknown field "${clip(k)}" next to items (send either items or prediction_id and label)`,
        k,
      );
    }
  }
  const items = b.items;
  if (!Array.isArray(items)) {
    throw invalid(
      `items must be an array of {prediction_id, label}, got ${typeName(items)}`,
      'items',
    );
  }
  if (items.length === 0) throw invalid('items must not be empty', 'items');
  if (items.length > maxItems) {
    throw invalid(
      `items has ${items.length} entries; the limit is ${maxItems} per request`,
      'items',
    );
  }
  return { items: items.map((v, i) => ({ ...item(v, `items[${i}]`), at })), single: false };
}
