// Measuring two things alternately: in blocks whose order is swapped every
// block, so that neither side gets the machine's fast minutes and the other
// its slow ones (this shared VM's speed drifts by tens of percent).
import { percentileSorted } from '../lib/stats.mjs';

/**
 * Calls 0..calls-1 in blocks of `block`; each block runs every side in turn
 * (`sides[k](start, count)` returns the latencies of calls start..start+count-1,
 * sync or async), the order reversed every other block. One latency list
 * per side, in call order.
 */
export async function alternateBlocks(sides, calls, block) {
  const out = sides.map(() => []);
  for (let start = 0, b = 0; start < calls; start += block, b++) {
    const count = Math.min(block, calls - start);
    const order = sides.map((_, k) => k);
    if (b % 2 === 1) order.reverse();
    for (const k of order) out[k].push(...(await sides[k](start, count)));
  }
  return out;
}

/** Summary of per-call latencies (seconds), in measureSingle's shape. */
export function latencySummary(lat, { tool, warmup }) {
  const s = [...lat].sort((a, b) => a - b);
  return {
    n_calls: s.length,
    warmup_calls: warmup,
    tool,
    median: percentileSorted(s, 50),
    p10: percentileSorted(s, 10),
    p90: percentileSorted(s, 90),
    p99: percentileSorted(s, 99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    min: s[0],
    max: s[s.length - 1],
  };
}
