/**
 * The query of `GET /v1/models/{name}/monitor`, with the options of
 * `sentio monitor report`: `window` (`1h`, `15m`, or a number of
 * predictions; default 1h), `version`, and `threshold` (repeatable,
 * `token_js=0.3` or `token_js.minWindow=1000`). Mistakes are
 * MONITOR_BAD_OPTION (400) naming the parameter.
 * @module
 */
import { SentioError } from '../../errors/index.js';
import {
  type DeepPartial,
  parseWindow,
  SIGNAL_NAMES,
  type SignalName,
  type Thresholds,
} from '../../monitor/index.js';

export interface ReportQuery {
  window: string;
  version?: number;
  thresholds: DeepPartial<Thresholds>;
}

const PARAMS = ['window', 'version', 'threshold'];

function bad(message: string, param: string): SentioError {
  return new SentioError('MONITOR_BAD_OPTION', message, { option: param });
}

function one(v: string | string[] | undefined, param: string): string | undefined {
  if (Array.isArray(v)) throw bad(`give ${param} once`, param);
  return v;
}

export function parseReportQuery(q: Record<string, string | string[] | undefined>): ReportQuery {
  for (const k of Object.keys(q)) {
    if (!PARAMS.includes(k)) {
      throw bad(
        `unknown query parameter "${k.slice(0, 64)}" (expected ${PARAMS.join(', ')})`,
        k.slice(0, 64),
      );
    }
  }
  const window = one(q.window, 'window') ?? '1h';
  parseWindow(window, 'window'); // MONITOR_BAD_OPTION naming it
  const out: ReportQuery = { window, thresholds: {} };
  const v = one(q.version, 'version');
  if (v !== undefined) {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
      throw bad(`version: expected a version number, got "${v.slice(0, 32)}"`, 'version');
    }
    out.version = n;
  }
  const given = q.threshold === undefined ? [] : ([] as string[]).concat(q.threshold);
  const th: Record<string, Record<string, number>> = {};
  for (const a of given) {
    const m = /^([a-z_]+)(?:\.([A-Za-z]+))?=([0-9.eE+-]+)$/.exec(a.trim());
    const value = Number(m?.[3]);
    const key = m?.[2] ?? 'threshold';
    if (
      !m ||
      !SIGNAL_NAMES.includes(m[1] as SignalName) ||
      !Number.isFinite(value) ||
      !['threshold', 'minWindow'].includes(key)
    ) {
      throw bad(
        `threshold ${JSON.stringify(a.slice(0, 64))}: expected SIGNAL=NUMBER or SIGNAL.minWindow=N with SIGNAL one of ${SIGNAL_NAMES.join(', ')}`,
        'threshold',
      );
    }
    th[m[1] as string] = { ...(th[m[1] as string] ?? {}), [key]: value };
  }
  out.thresholds = th as DeepPartial<Thresholds>;
  return out;
}
