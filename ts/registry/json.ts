/**
 * JSON for stored documents. Plain JSON turns NaN and ±Infinity into null,
 * which would silently change metrics (a log loss can be Infinity); numbers
 * that JSON cannot hold are written as the strings "NaN", "Infinity" and
 * "-Infinity" inside metric maps and read back as numbers.
 * @module
 */

export function encodeMetrics(metrics: Record<string, number>): string {
  return JSON.stringify(metrics, (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  );
}

export function decodeMetrics(text: string | null | undefined): Record<string, number> {
  if (!text) return {};
  const raw = JSON.parse(text) as Record<string, number | string | null>;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw))
    out[k] = typeof v === 'number' ? v : Number(v ?? Number.NaN);
  return out;
}

/** JSON text of any value (`undefined` is stored as null). */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

export function decodeJson(text: string | null | undefined): unknown {
  return text === null || text === undefined ? null : JSON.parse(text);
}
