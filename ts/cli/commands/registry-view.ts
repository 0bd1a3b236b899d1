/**
 * Small formatting helpers shared by the registry commands (models, runs,
 * artifacts, gc, export/import): times, durations, sizes, short hashes,
 * compact JSON and key=value parsing.
 * @module
 */
import { SentioError } from '../../errors/index.js';
import { color } from '../output.js';

/** "2026-11-26 18:32" in local time (tables); ISO stays in --json. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 12) : '–';
}

/** A value for a table cell: numbers to 4 significant decimals, objects as compact JSON. */
export function cell(v: unknown): string {
  if (v === undefined) return '–';
  if (v === null) return 'null';
  if (typeof v === 'number')
    return Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString();
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function truncate(s: string, max = 48): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** "k1=v1, k2=v2" for small maps. */
export function pairs(m: Record<string, unknown>): string {
  const entries = Object.entries(m);
  return entries.length === 0 ? '–' : entries.map(([k, v]) => `${k}=${cell(v)}`).join(', ');
}

/** Parse `key=value` arguments (value may contain "="). */
export function parseAssignments(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i <= 0) throw new SentioError('CLI_USAGE', `expected key=value, got "${a}"`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

/** Aligned "label  value" lines for a detail view. */
export function fields(rows: Array<[string, string]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${color.dim(k.padEnd(w))}  ${v}`).join('\n');
}

/** A short summary of a dataset fingerprint (any JSON; known fields shown). */
export function datasetSummary(ds: unknown): string {
  if (ds === null || ds === undefined) return '–';
  if (typeof ds !== 'object') return cell(ds);
  const d = ds as { path?: unknown; rows?: unknown; sha256?: unknown };
  const parts: string[] = [];
  if (typeof d.path === 'string') parts.push(d.path);
  if (typeof d.rows === 'number') parts.push(`${d.rows} rows`);
  if (typeof d.sha256 === 'string') parts.push(`sha256 ${shortSha(d.sha256)}`);
  return parts.length > 0 ? parts.join(', ') : truncate(JSON.stringify(ds), 80);
}

export function statusColor(status: string): string {
  if (status === 'finished') return color.green(status);
  if (status === 'failed' || status === 'interrupted') return color.red(status);
  return color.yellow(status);
}

/** Parse "90", "90s", "15m", "1h", "2d", "500ms" into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m)
    throw new SentioError('CLI_USAGE', `invalid duration "${text}" (e.g. 0, 30s, 15m, 1h, 2d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 's'] ?? 1000;
  return Number(m[1]) * unit;
}
