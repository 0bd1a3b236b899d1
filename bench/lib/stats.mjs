// Small statistics helpers shared by the benches.

/** Linear-interpolated percentile of an ascending array (numpy's default), q in [0, 100]. */
export function percentileSorted(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  if (sorted.length === 1) return sorted[0];
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(xs) {
  return percentileSorted(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

/**
 * Summary of repeated measurements: median, min, max, p10, p90, mean, n.
 * `keepAll` also keeps the values themselves (for short series).
 */
export function summarize(xs, { keepAll = true } = {}) {
  const s = [...xs].sort((a, b) => a - b);
  const out = {
    n: s.length,
    median: percentileSorted(s, 50),
    min: s[0],
    max: s[s.length - 1],
    p10: percentileSorted(s, 10),
    p90: percentileSorted(s, 90),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
  if (keepAll) out.all = [...xs];
  return out;
}

/** Seconds elapsed since `t0` (a process.hrtime.bigint() value). */
export function secondsSince(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Run `fn` (sync or async) and return [result, wall seconds]. */
export async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return [result, secondsSince(t0)];
}

/** Force a full GC when node runs with --expose-gc; otherwise a no-op. */
export function collectGarbage() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
}
