/**
 * Helpers of the column path of prediction logging (PredictionBlock in,
 * PredictionColumns out): the probabilities as the JSON object the stores
 * keep, built from a template per class list instead of an object per row;
 * the sha256 of a text straight from its UTF-8 bytes; and the rows of a
 * column block, for backends (and tests) that take rows.
 * @module
 */
import * as crypto from 'node:crypto';
import { concatDigests, digestAt } from './digests.js';
import type { PredictionColumns, PredictionRow } from './types.js';

/** An array index ("0", "17"): JavaScript puts such keys first in an object, whatever their order. */
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

const num = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');

/**
 * `(probabilities, offset) => JSON`: exactly `JSON.stringify` of the object
 * class → probability (classes in order) for the `classes.length` numbers
 * at `offset`, without building the object (class names are escaped once).
 */
export function probabilitiesJson(
  classes: readonly string[],
): (p: ArrayLike<number>, offset: number) => string {
  const k = classes.length;
  if (new Set(classes).size !== k || classes.some((c) => INDEX_KEY.test(c))) {
    // Repeated or index-like names: let JSON.stringify decide what the object is.
    return (p, offset) => {
      const o: Record<string, number> = {};
      for (let c = 0; c < k; c++) o[classes[c] as string] = p[offset + c] as number;
      return JSON.stringify(o);
    };
  }
  if (k === 0) return () => '{}';
  const keys = classes.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);
  if (k === 2) {
    const [a, b] = keys as [string, string];
    return (p, offset) => `${a}${num(p[offset] as number)}${b}${num(p[offset + 1] as number)}}`;
  }
  return (p, offset) => {
    let s = '';
    for (let c = 0; c < k; c++) s += (keys[c] as string) + num(p[offset + c] as number);
    return `${s}}`;
  };
}

const oneShot = (crypto as { hash?: (alg: string, data: crypto.BinaryLike, enc: 'hex') => string })
  .hash;

/** Hex sha256 of a text (UTF-8) or of its UTF-8 bytes: the same digest either way. */
export const sha256Hex: (data: string | Uint8Array) => string =
  oneShot !== undefined
    ? (data) => oneShot('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** The rows of a column block (for a backend without `writeColumns`). */
export function columnsToRows(b: PredictionColumns): PredictionRow[] {
  const k = b.classes.length;
  const rows: PredictionRow[] = new Array(b.length);
  for (let i = 0; i < b.length; i++) {
    const probabilities: Record<string, number> = {};
    for (let c = 0; c < k; c++) {
      probabilities[b.classes[c] as string] = b.probabilities[i * k + c] as number;
    }
    const tokens = b.tokens === null ? -1 : (b.tokens[i] as number);
    rows[i] = {
      id: b.ids[i] as string,
      at: b.at[i] as number,
      model: b.model,
      version: b.version,
      env: b.env,
      arm: b.arm,
      label: b.labels[i] as string,
      confidence: b.confidence[i] as number,
      probabilities,
      latencyMs: b.latencyMs[i] as number,
      textLength: b.textLength[i] as number,
      text: b.text === null ? null : (b.text[i] as string),
      textSha256: b.textSha256 === null ? null : digestAt(b.textSha256, i),
      tokens: tokens < 0 ? null : tokens,
      oovTokens: tokens < 0 || b.oovTokens === null ? null : (b.oovTokens[i] as number),
    };
  }
  return rows;
}

const sameClasses = (a: readonly string[], b: readonly string[]) =>
  a === b || (a.length === b.length && a.every((c, i) => c === b[i]));

/** Can `b` be appended to `a` (same stream, classes and text columns)? */
function mergeable(a: PredictionColumns, b: PredictionColumns): boolean {
  return (
    a.model === b.model &&
    a.version === b.version &&
    a.env === b.env &&
    a.arm === b.arm &&
    (a.text === null) === (b.text === null) &&
    (a.textSha256 === null) === (b.textSha256 === null) &&
    sameClasses(a.classes, b.classes)
  );
}

function concat(parts: readonly PredictionColumns[]): PredictionColumns {
  const first = parts[0] as PredictionColumns;
  const k = first.classes.length;
  let n = 0;
  for (const p of parts) n += p.length;
  const numbers = (pick: (p: PredictionColumns) => ArrayLike<number>, width = 1) => {
    const out = new Float64Array(n * width);
    let off = 0;
    for (const p of parts) {
      const a = pick(p);
      const len = p.length * width;
      // Typed arrays copy natively (converting their element type); arrays element by element.
      if (ArrayBuffer.isView(a)) out.set((a as Float64Array).subarray(0, len), off);
      else for (let i = 0; i < len; i++) out[off + i] = a[i] as number;
      off += len;
    }
    return out;
  };
  // Filled in place: flatMap with a slice per part cost more than the rest of the copy.
  const strings = (pick: (p: PredictionColumns) => readonly string[] | null) => {
    if (pick(first) === null) return null;
    const out: string[] = new Array(n);
    let off = 0;
    for (const p of parts) {
      const a = pick(p) as readonly string[];
      for (let i = 0; i < p.length; i++) out[off + i] = a[i] as string;
      off += p.length;
    }
    return out;
  };
  const measured = parts.some((p) => p.tokens !== null);
  const counts = (pick: (p: PredictionColumns) => ArrayLike<number> | null) => {
    if (!measured) return null;
    const out = new Int32Array(n).fill(-1);
    let off = 0;
    for (const p of parts) {
      const a = pick(p);
      if (a !== null) for (let i = 0; i < p.length; i++) out[off + i] = a[i] as number;
      off += p.length;
    }
    return out;
  };
  return {
    model: first.model,
    version: first.version,
    env: first.env,
    arm: first.arm,
    classes: first.classes,
    length: n,
    ids: strings((p) => p.ids) as string[],
    at: numbers((p) => p.at),
    labels: strings((p) => p.labels) as string[],
    confidence: numbers((p) => p.confidence),
    probabilities: numbers((p) => p.probabilities, k),
    latencyMs: numbers((p) => p.latencyMs),
    textLength: numbers((p) => p.textLength),
    text: strings((p) => p.text),
    textSha256:
      first.textSha256 === null
        ? null
        : (concatDigests(
            parts.map((p) => ({
              col: p.textSha256 as NonNullable<typeof p.textSha256>,
              n: p.length,
            })),
          ) as PredictionColumns['textSha256']),
    tokens: counts((p) => p.tokens),
    oovTokens: counts((p) => p.oovTokens),
  };
}

/**
 * Consecutive blocks of the same stream as one (order kept): a queue of
 * single predictions (`PredictionLogger.log`) or of hand-overs of any size
 * becomes one block per stream and batch, so a backend pays its per-block
 * cost (an insert per stream in PostgreSQL, a stored block in SQLite) once
 * per batch, not once per piece. Copying the columns costs less than that.
 */
export function mergeColumns(blocks: readonly PredictionColumns[]): PredictionColumns[] {
  const out: PredictionColumns[] = [];
  let run: PredictionColumns[] = [];
  const end = () => {
    if (run.length === 1) out.push(run[0] as PredictionColumns);
    else if (run.length > 1) out.push(concat(run));
    run = [];
  };
  for (const b of blocks) {
    if (run.length > 0 && !mergeable(run[0] as PredictionColumns, b)) end();
    run.push(b);
  }
  end();
  return out;
}
