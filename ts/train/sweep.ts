/**
 * Hyper-parameter sweeps: `--sweep alpha=0.1,0.5,1 --sweep ngram=1-1,1-2`
 * (or a `sweep:` map in a config file) parsed into axes and expanded into
 * the full grid, one point per training run.
 * @module
 */
import { SentioError } from '../errors/index.js';
import {
  checkModelOptions,
  type ModelOptions,
  modelField,
  parseModelOption,
  SWEEP_KEYS,
  type SweepAxis,
  type SweepKey,
} from './options.js';

/** Grids larger than this are almost certainly a typo. */
export const MAX_GRID = 1000;

/** `min_df`, `minDf` and `min-df` all name the same option. */
export function normalizeKey(key: string): string {
  return key
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

function sweepKey(raw: string): SweepKey {
  const key = normalizeKey(raw);
  if (!(SWEEP_KEYS as readonly string[]).includes(key)) {
    throw new SentioError(
      'TRAIN_BAD_OPTION',
      `--sweep: cannot sweep "${raw}"; sweepable options: ${SWEEP_KEYS.join(', ')}`,
      { option: 'sweep' },
    );
  }
  return key as SweepKey;
}

/** Split `0.1,0.5,1` into values (a config file may give a list instead). */
function splitValues(key: string, v: unknown): unknown[] {
  const values = Array.isArray(v)
    ? v
    : String(v)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  if (values.length === 0) {
    throw new SentioError('TRAIN_BAD_OPTION', `--sweep ${key}: no values given`, {
      option: 'sweep',
    });
  }
  return values;
}

/**
 * Sweep axes from `["alpha=0.1,1", ...]`, one such string, or a
 * `{alpha: [0.1, 1]}` map. Values are parsed (and so validated) here.
 */
export function parseSweep(raw: unknown): SweepAxis[] {
  if (raw === undefined || raw === null) return [];
  const entries: Array<[string, unknown]> = [];
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    entries.push(...Object.entries(raw));
  } else {
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      const s = String(item);
      const eq = s.indexOf('=');
      if (eq <= 0) {
        throw new SentioError('TRAIN_BAD_OPTION', `--sweep: expected KEY=V1,V2,..., got "${s}"`, {
          option: 'sweep',
        });
      }
      entries.push([s.slice(0, eq), s.slice(eq + 1)]);
    }
  }
  const axes: SweepAxis[] = [];
  for (const [rawKey, rawValues] of entries) {
    const key = sweepKey(rawKey);
    if (axes.some((a) => a.key === key)) {
      throw new SentioError('TRAIN_BAD_OPTION', `--sweep: "${key}" is given twice`, {
        option: 'sweep',
      });
    }
    axes.push({ key, values: splitValues(key, rawValues).map((v) => parseModelOption(key, v)) });
  }
  return axes;
}

/** One grid point: the options it changes and a short label for tables. */
export interface GridPoint {
  overrides: Partial<ModelOptions>;
  /** e.g. `alpha=0.5 ngram=1-2` (empty without a sweep). */
  label: string;
  /** Sweep values by CLI key, for run params and tags. */
  values: Record<string, unknown>;
}

function show(v: unknown): string {
  return Array.isArray(v) ? v.join('-') : String(v);
}

/** The cartesian product of the axes, first axis outermost; one empty point without axes. */
export function expandGrid(axes: readonly SweepAxis[]): GridPoint[] {
  const size = axes.reduce((n, a) => n * a.values.length, 1);
  if (size > MAX_GRID) {
    throw new SentioError(
      'TRAIN_BAD_OPTION',
      `--sweep: the grid has ${size} points (more than ${MAX_GRID})`,
      { option: 'sweep' },
    );
  }
  let points: GridPoint[] = [{ overrides: {}, label: '', values: {} }];
  for (const axis of axes) {
    const next: GridPoint[] = [];
    for (const p of points) {
      for (const v of axis.values) {
        next.push({
          overrides: { ...p.overrides, [modelField(axis.key)]: v },
          label: `${p.label}${p.label ? ' ' : ''}${axis.key}=${show(v)}`,
          values: { ...p.values, [axis.key]: v },
        });
      }
    }
    points = next;
  }
  return points;
}

/** Base options with a grid point applied, checked for combinations the engine refuses. */
export function applyPoint<T extends ModelOptions>(base: T, point: GridPoint): T {
  const merged = { ...base, ...point.overrides };
  checkModelOptions(merged);
  return merged;
}
