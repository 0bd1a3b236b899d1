/**
 * Summary statistics over text lengths: min/max/mean and percentiles
 * (linear interpolation, as numpy's default), plus a readable histogram.
 * @module
 */
import type { LengthBucket, TextLengthStats } from './types.js';

/** Collects numbers into a growable typed array (no per-value boxing). */
export class NumberColumn {
  private data = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }

  /** The values, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

/** Percentile `p` (0..100) of ascending `xs`, interpolating linearly. */
export function percentile(xs: Float64Array, p: number): number {
  if (xs.length === 0) return 0;
  const pos = ((xs.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, xs.length - 1);
  const a = xs[lo] as number;
  const b = xs[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function lengthStats(sorted: Float64Array): TextLengthStats {
  const n = sorted.length;
  if (n === 0) return { min: 0, max: 0, mean: 0, p50: 0, p90: 0 };
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    mean: sum / n,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
  };
}

/** Bucket edges on a 1-2-5 scale (0, 10, 20, 50, 100, 200, 500, 1000, ...): readable at any size. */
function edges(max: number): number[] {
  const out = [0, 10];
  for (let base = 10; (out[out.length - 1] as number) <= max; base *= 10)
    out.push(base * 2, base * 5, base * 10);
  return out;
}

/** Histogram of ascending `sorted` values, without leading and trailing empty buckets. */
export function lengthHistogram(sorted: Float64Array): LengthBucket[] {
  if (sorted.length === 0) return [];
  const e = edges(sorted[sorted.length - 1] as number);
  const buckets: LengthBucket[] = [];
  let k = 0;
  for (let b = 0; b < e.length - 1; b++) {
    const from = e[b] as number;
    const to = e[b + 1] as number;
    let count = 0;
    while (k < sorted.length && (sorted[k] as number) < to) {
      count++;
      k++;
    }
    buckets.push({ from, to, count });
  }
  let first = 0;
  while (first < buckets.length && buckets[first]?.count === 0) first++;
  let last = buckets.length - 1;
  while (last > first && buckets[last]?.count === 0) last--;
  return buckets.slice(first, last + 1);
}
