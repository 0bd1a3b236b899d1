/**
 * Reading `--window` and `--since`: a duration (`90s`, `15m`, `1h`, `7d`,
 * `2w`) is a time window ending now; a bare integer (`10000`) is the last N
 * predictions. Typed errors name the option and the value.
 * @module
 */
import { SentioError } from '../errors/index.js';

export type Window =
  | { kind: 'time'; ms: number; text: string }
  | { kind: 'count'; n: number; text: string };

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "1h" → 3 600 000; MONITOR_BAD_OPTION naming `option` otherwise. */
export function parseDuration(text: string, option = '--since'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(text);
  if (!m) {
    throw new SentioError(
      'MONITOR_BAD_OPTION',
      `${option} ${JSON.stringify(text)}: expected a duration such as 30s, 15m, 1h, 7d or 2w`,
      { option, value: text },
    );
  }
  return Number(m[1]) * (UNIT_MS[(m[2] as string).toLowerCase()] as number);
}

export function parseWindow(text: string, option = '--window'): Window {
  if (/^\s*\d+\s*$/.test(text)) {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new SentioError('MONITOR_BAD_OPTION', `${option} ${text}: give at least 1 prediction`, {
        option,
        value: text,
      });
    }
    return { kind: 'count', n, text: `last ${n} predictions` };
  }
  return { kind: 'time', ms: parseDuration(text, option), text: `last ${text.trim()}` };
}

/** "1.5 GB", "200MB", "4096" (bytes) → bytes. */
export function parseSize(text: string, option = '--max-size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?\s*$/i.exec(text);
  if (!m) {
    throw new SentioError(
      'MONITOR_BAD_OPTION',
      `${option} ${JSON.stringify(text)}: expected a size such as 500MB or 2GB`,
      { option, value: text },
    );
  }
  const unit = (m[2] ?? 'b').toLowerCase();
  const k = unit.endsWith('ib') ? 1024 : 1000;
  const pow = { b: 0, k: 1, m: 2, g: 3, t: 4 }[unit[0] as 'b' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(m[1]) * k ** pow);
}
