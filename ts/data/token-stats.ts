/**
 * Per-class token document frequencies for `inspectDataset`, and the two
 * rankings built on them (most frequent, most distinctive). Tokens are
 * interned to ids and counted in typed arrays: one hash lookup per token
 * instead of several, which is most of inspect's time on large files.
 * @module
 */
import type { DistinctiveToken, TokenCount } from './types.js';

const WORD = /[\p{L}\p{N}_]{2,}/gu;
const ASCII_WORD = /\w{2,}/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range test
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Lowercase runs of 2+ letters, digits or underscores (Unicode-aware, like
 * scikit-learn's default token pattern). ASCII texts take the plain `\w`
 * path, which gives the same tokens about 3x faster.
 */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  return lower.match(ASCII.test(lower) ? ASCII_WORD : WORD) ?? [];
}

/** Common English function words: they top every class and say nothing about any. */
const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him himself ' +
    'his how if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ' +
    'ourselves out over own same she should so some such than that the their theirs them themselves then there these they this ' +
    'those through to too under until up very was we were what when where which while who whom why will with would you your ' +
    'yours yourself yourselves br im ive dont didnt doesnt isnt wasnt'
  ).split(' '),
);

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/**
 * The `top` best items by `key` (descending), ties broken by `tie`: only the
 * items at or above the top-th key are sorted, not the whole vocabulary.
 */
function best<T>(items: T[], key: (x: T) => number, tie: (a: T, b: T) => number, top: number): T[] {
  if (items.length > top && top > 0) {
    const keys = Float64Array.from(items, key).sort();
    const threshold = keys[keys.length - top] as number;
    items = items.filter((x) => key(x) >= threshold);
  }
  return items.sort((a, b) => key(b) - key(a) || tie(a, b)).slice(0, top);
}

export class ClassTokenStats {
  private readonly ids = new Map<string, number>();
  private readonly words: string[] = [];
  private capacity = 1 << 14;
  /** Last row each token was counted in (counts a token once per row). */
  private lastRow = new Int32Array(this.capacity);
  private readonly classes = new Map<string, Int32Array<ArrayBuffer>>();
  private row = 0;

  /** Count the distinct tokens of one row under `label`; returns the row's token count. */
  add(label: string, text: string): number {
    const tokens = tokenize(text);
    let df = this.classes.get(label);
    if (df === undefined) {
      df = new Int32Array(this.capacity);
      this.classes.set(label, df);
    }
    const row = ++this.row;
    for (const t of tokens) {
      let id = this.ids.get(t);
      if (id === undefined) {
        id = this.words.length;
        this.ids.set(t, id);
        this.words.push(t);
        if (id === this.capacity) {
          this.capacity *= 2;
          this.lastRow = grow(this.lastRow, this.capacity);
          for (const [k, v] of this.classes) this.classes.set(k, grow(v, this.capacity));
          df = this.classes.get(label) as Int32Array<ArrayBuffer>;
        }
      }
      if (this.lastRow[id] === row) continue;
      this.lastRow[id] = row;
      df[id] = (df[id] as number) + 1;
    }
    return tokens.length;
  }

  get vocabulary(): number {
    return this.words.length;
  }

  get classCount(): number {
    return this.classes.size;
  }

  /** Per class: the `top` tokens in the most rows, stopwords left out. */
  frequent(top: number): Record<string, TokenCount[]> {
    const out: Record<string, TokenCount[]> = {};
    for (const [label, df] of this.classes) {
      const picked: TokenCount[] = [];
      for (let id = 0; id < this.words.length; id++) {
        const count = df[id] as number;
        if (count > 0 && !STOPWORDS.has(this.words[id] as string)) {
          picked.push({ token: this.words[id] as string, count });
        }
      }
      out[label] = best(
        picked,
        (x) => x.count,
        (a, b) => cmp(a.token, b.token),
        top,
      );
    }
    return out;
  }

  /**
   * Per class: tokens most typical of it against the other classes, by the
   * weighted log-odds ratio with an informative Dirichlet prior (Monroe,
   * Colaresi & Quinn 2008) as a z-score. Unlike a raw ratio it does not crown
   * rare names that happen to occur in one class only.
   */
  distinctive(top: number): Record<string, DistinctiveToken[]> {
    const v = this.words.length;
    const total = new Float64Array(v);
    let n = 0;
    for (const df of this.classes.values()) {
      for (let id = 0; id < v; id++) total[id] = (total[id] as number) + (df[id] as number);
    }
    for (let id = 0; id < v; id++) n += total[id] as number;
    // Prior strength: 1% of all counts, spread like the corpus.
    const a0 = 0.01 * n;
    const out: Record<string, DistinctiveToken[]> = {};
    for (const [label, df] of this.classes) {
      let nc = 0;
      for (let id = 0; id < v; id++) nc += df[id] as number;
      const nr = n - nc;
      const scored: DistinctiveToken[] = [];
      for (let id = 0; id < v; id++) {
        const y = df[id] as number;
        if (y === 0) continue;
        const all = total[id] as number;
        const yr = all - y;
        const a = (a0 * all) / n;
        const delta =
          Math.log((y + a) / (nc + a0 - y - a)) - Math.log((yr + a) / (nr + a0 - yr - a));
        const score = delta / Math.sqrt(1 / (y + a) + 1 / (yr + a));
        if (score > 0) scored.push({ token: this.words[id] as string, count: y, score });
      }
      out[label] = best(
        scored,
        (x) => x.score,
        (a, b) => b.count - a.count || cmp(a.token, b.token),
        top,
      );
    }
    return out;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
