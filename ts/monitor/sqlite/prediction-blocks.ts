/**
 * How monitor.db keeps logged predictions: a block of up to BLOCK_ROWS
 * predictions of one stream (model version, environment, arm) per row of
 * `prediction_blocks`, its columns packed in one blob.
 *
 * Why not a row per prediction: an indexed row cost the logging thread
 * about 8 µs per prediction (three B-tree inserts, the record, the JSON of
 * the probabilities), more than everything else logging does together, and
 * on a 2-core machine that CPU comes straight out of serving throughput.
 * A block costs one insert for hundreds of predictions; the columns are
 * copied, not formatted.
 *
 * Finding a prediction by id (feedback) without an index entry per
 * prediction: the server's ids are `PREFIX-COUNTER[.SUFFIX]`, COUNTER in
 * base 36 (ts/serve/prediction-id.ts), so a block whose ids all share a
 * prefix and suffix stores the counters, and its row the counters' range
 * (`id_min`, `id_max`, indexed). A block spans fewer than ID_SPAN counters,
 * so a lookup reads a bounded range of that index. Ids of any other shape
 * get an entry each in `prediction_ids`.
 *
 * Blob layout: u32 length of a JSON header, the header (row count, classes,
 * label names, id form, which optional columns exist and their sizes), then
 * each column as little-endian typed data at an 8-byte-aligned offset, in
 * the order `COLUMNS` lists. Hex sha256 digests are kept as their 32 bytes.
 * @module
 */
import { type DigestColumn, digestBytes, digestStrings, pickDigests } from '../digests.js';
import type { Arm, PredictionColumns, PredictionRow } from '../types.js';

/** Rows per block at most (labels are indexed with 16 bits). */
export const BLOCK_ROWS = 4096;
/** A block's id counters span fewer than this many values. */
export const ID_SPAN = 8192;

/** A server-made id: PREFIX ends at its last '-', COUNTER is canonical base 36, SUFFIX starts with '.'. */
const ID_FORM = /^(.*-)(0|[1-9a-z][0-9a-z]{0,9})(\.[a-z]+)?$/;

export interface IdParts {
  prefix: string;
  counter: number;
  suffix: string;
}

/** The parts of an id in the server's form, or null. */
export function idParts(id: string): IdParts | null {
  const m = ID_FORM.exec(id);
  if (m === null) return null;
  return {
    prefix: m[1] as string,
    counter: Number.parseInt(m[2] as string, 36),
    suffix: m[3] ?? '',
  };
}

/** The stream-level facts of a block: what its table row holds beside the blob. */
export interface BlockMeta {
  model: string;
  version: number;
  env: string;
  arm: Arm;
  n: number;
  firstAt: number;
  lastAt: number;
  /** Set when every id is PREFIX-COUNTER-SUFFIX with one prefix and suffix. */
  idPrefix: string | null;
  idSuffix: string | null;
  idMin: number | null;
  idMax: number | null;
}

interface Header {
  n: number;
  classes: string[];
  labels: string[];
  /** Server-form ids: the shared prefix and suffix (counters in the `counters` column). */
  idPrefix?: string;
  idSuffix?: string;
  /** Any other ids, as they are. */
  ids?: string[];
  /** Byte length of the text column (UTF-8), when there is one. */
  textBytes?: number;
  /** "raw": 32 bytes per digest; "utf8": byte length of digests kept as text. */
  hash?: 'raw' | number;
  tokens?: boolean;
}

/**
 * One stream's rows, column by column (what a block holds): a logger's
 * PredictionColumns, or rows (`writeBatch`), where a text or hash may be
 * missing on some rows only.
 */
export type BlockColumns = Omit<PredictionColumns, 'length' | 'text' | 'textSha256'> & {
  text: readonly (string | null)[] | null;
  textSha256: DigestColumn | null;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const align8 = (x: number) => (x + 7) & ~7;

/** Rows `idx` of `c`, as columns (for splitting and dropping duplicates). */
export function pickRows(c: BlockColumns, idx: readonly number[]): BlockColumns {
  const k = c.classes.length;
  const nums = (a: ArrayLike<number>) => Float64Array.from(idx, (i) => a[i] as number);
  const opt = <T>(a: readonly T[] | null) => (a === null ? null : idx.map((i) => a[i] as T));
  const probabilities = new Float64Array(idx.length * k);
  idx.forEach((i, r) => {
    for (let j = 0; j < k; j++) probabilities[r * k + j] = c.probabilities[i * k + j] as number;
  });
  return {
    ...c,
    ids: idx.map((i) => c.ids[i] as string),
    at: nums(c.at),
    labels: idx.map((i) => c.labels[i] as string),
    confidence: nums(c.confidence),
    probabilities,
    latencyMs: nums(c.latencyMs),
    textLength: nums(c.textLength),
    text: opt(c.text),
    textSha256: c.textSha256 === null ? null : pickDigests(c.textSha256, idx),
    tokens: c.tokens === null ? null : nums(c.tokens),
    oovTokens: c.oovTokens === null ? null : nums(c.oovTokens),
  };
}

/** A logger block as block columns (the first `length` rows). */
export function fromPredictionColumns(b: PredictionColumns): BlockColumns {
  const n = b.length;
  return b.ids.length === n ? b : pickRows(b, range(0, n));
}

/**
 * Runs of rows as block columns: consecutive rows of one stream with the
 * same classes (`writeBatch`'s rows, in their order).
 */
export function rowsToColumns(rows: readonly PredictionRow[]): BlockColumns[] {
  const out: BlockColumns[] = [];
  let i = 0;
  while (i < rows.length) {
    const first = rows[i] as PredictionRow;
    const classes = Object.keys(first.probabilities);
    let j = i + 1;
    for (; j < rows.length; j++) {
      const r = rows[j] as PredictionRow;
      if (
        r.model !== first.model ||
        r.version !== first.version ||
        r.env !== first.env ||
        r.arm !== first.arm
      ) {
        break;
      }
      const keys = Object.keys(r.probabilities);
      if (keys.length !== classes.length || keys.some((key, c) => key !== classes[c])) break;
    }
    const run = rows.slice(i, j);
    const k = classes.length;
    const probabilities = new Float64Array(run.length * k);
    run.forEach((r, ri) => {
      classes.forEach((c, ci) => {
        probabilities[ri * k + ci] = r.probabilities[c] as number;
      });
    });
    const col = <T>(f: (r: PredictionRow) => T) => run.map(f);
    const anyText = run.some((r) => r.text !== null);
    const anyHash = run.some((r) => r.textSha256 !== null);
    const anyTokens = run.some((r) => r.tokens !== null || r.oovTokens !== null);
    out.push({
      model: first.model,
      version: first.version,
      env: first.env,
      arm: first.arm,
      classes,
      ids: col((r) => r.id),
      at: col((r) => r.at),
      labels: col((r) => r.label),
      confidence: col((r) => r.confidence),
      probabilities,
      latencyMs: col((r) => r.latencyMs),
      textLength: col((r) => r.textLength),
      text: anyText ? col((r) => r.text) : null,
      textSha256: anyHash ? col((r) => r.textSha256) : null,
      tokens: anyTokens ? col((r) => r.tokens ?? -1) : null,
      oovTokens: anyTokens ? col((r) => r.oovTokens ?? -1) : null,
    });
    i = j;
  }
  return out;
}

/** Server-form ids of a block: their shared prefix and suffix, and the counters. */
export interface ServerIds {
  prefix: string;
  suffix: string;
  counters: Float64Array;
  min: number;
  max: number;
}

/** The value of canonical base-36 digits (no leading zero, at most 10), or −1. */
function base36(id: string, from: number, to: number): number {
  const len = to - from;
  if (len < 1 || len > 10 || (len > 1 && id.charCodeAt(from) === 48)) return -1;
  let x = 0;
  for (let i = from; i < to; i++) {
    const ch = id.charCodeAt(i);
    const d = ch >= 48 && ch <= 57 ? ch - 48 : ch >= 97 && ch <= 122 ? ch - 87 : -1;
    if (d < 0) return -1;
    x = x * 36 + d;
  }
  return x;
}

/** The ids as server-form ids of one prefix and suffix, or null. */
function serverIds(ids: readonly string[]): ServerIds | null {
  const first = ids.length > 0 ? idParts(ids[0] as string) : null;
  if (first === null) return null;
  const counters = new Float64Array(ids.length);
  const { prefix, suffix } = first;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    // Cheap checks, not the regex: most blocks are all server ids of one prefix.
    if (!id.startsWith(prefix) || !id.endsWith(suffix)) return null;
    const c = base36(id, prefix.length, id.length - suffix.length);
    if (c < 0) return null;
    counters[i] = c;
    if (c < min) min = c;
    if (c > max) max = c;
  }
  return { prefix, suffix, counters, min, max };
}

/** What goes into one block: its rows and, when they are all server-form, their ids' parts. */
export interface BlockPart {
  cols: BlockColumns;
  ids: ServerIds | null;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * `c` as consecutive parts that each fit a block, order kept: at most
 * BLOCK_ROWS rows; ids either all server-form of one prefix and suffix,
 * spanning fewer than ID_SPAN counters, or all of other forms (so an id
 * is looked for in one place only, by its form).
 */
export function splitForBlocks(c: BlockColumns): BlockPart[] {
  const n = c.ids.length;
  const whole = n <= BLOCK_ROWS ? serverIds(c.ids) : null;
  if (whole !== null && whole.max - whole.min < ID_SPAN) return [{ cols: c, ids: whole }];
  const parts: BlockPart[] = [];
  let from = 0;
  let form: string | null | undefined;
  let lo = 0;
  let hi = 0;
  const cut = (to: number) => {
    if (to === from) return;
    const cols = from === 0 && to === n ? c : pickRows(c, range(from, to));
    parts.push({ cols, ids: serverIds(cols.ids) });
    from = to;
  };
  for (let i = 0; i < n; i++) {
    const p = idParts(c.ids[i] as string);
    const f = p === null ? null : `${p.prefix}\u0000${p.suffix}`;
    const x = p?.counter ?? 0;
    if (
      i > from &&
      (f !== form ||
        i - from >= BLOCK_ROWS ||
        (p !== null && Math.max(hi, x) - Math.min(lo, x) >= ID_SPAN))
    ) {
      cut(i);
    }
    if (i === from) {
      form = f;
      lo = x;
      hi = x;
    } else {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  cut(n);
  return parts;
}

/** Byte sizes of the columns after the header, in blob order. */
function columnSizes(h: Header): Array<[string, number]> {
  const n = h.n;
  const k = h.classes.length;
  const cols: Array<[string, number]> = [
    ['at', 8 * n],
    ['confidence', 8 * n],
    ['probabilities', 8 * n * k],
    ['latency', 8 * n],
    ['textLength', 8 * n],
    ['labels', 2 * n],
  ];
  if (h.idPrefix !== undefined) cols.push(['counters', 8 * n]);
  if (h.tokens) cols.push(['tokens', 4 * n], ['oov', 4 * n]);
  if (h.textBytes !== undefined) cols.push(['textEnds', 4 * n], ['text', h.textBytes]);
  if (h.hash === 'raw') cols.push(['hash', 32 * n], ['hashNull', n]);
  else if (h.hash !== undefined) cols.push(['hashEnds', 4 * n], ['hashText', h.hash]);
  return cols;
}

/** UTF-8 of nullable strings back to back, and where each ends (−1: null). */
function packStrings(values: readonly (string | null)[]): { bytes: Uint8Array; ends: Int32Array } {
  const parts = values.map((v) => (v === null ? null : encoder.encode(v)));
  let total = 0;
  for (const p of parts) total += p?.length ?? 0;
  const bytes = new Uint8Array(total);
  const ends = new Int32Array(values.length);
  let off = 0;
  parts.forEach((p, i) => {
    if (p === null) ends[i] = -1;
    else {
      bytes.set(p, off);
      off += p.length;
      ends[i] = off;
    }
  });
  return { bytes, ends };
}

/** A block's blob and its table row's facts (a part from splitForBlocks). */
export function encodeBlock(part: BlockPart): { meta: BlockMeta; data: Uint8Array } {
  const { cols: c, ids } = part;
  const n = c.ids.length;
  const k = c.classes.length;
  const labelNames: string[] = [];
  const labelIndex = new Map<string, number>();
  const labels = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const l = c.labels[i] as string;
    let x = labelIndex.get(l);
    if (x === undefined) {
      x = labelNames.length;
      labelNames.push(l);
      labelIndex.set(l, x);
    }
    labels[i] = x;
  }
  const h: Header = { n, classes: [...c.classes], labels: labelNames };
  if (ids !== null) {
    h.idPrefix = ids.prefix;
    h.idSuffix = ids.suffix;
  } else h.ids = [...c.ids];
  const text = c.text === null ? null : packStrings(c.text);
  if (text !== null) h.textBytes = text.bytes.length;
  const raw = c.textSha256 === null ? null : digestBytes(c.textSha256);
  const hashText =
    c.textSha256 === null || raw !== null ? null : packStrings(digestStrings(c.textSha256));
  if (raw !== null) h.hash = 'raw';
  else if (hashText !== null) h.hash = hashText.bytes.length;
  if (c.tokens !== null) h.tokens = true;

  const head = encoder.encode(JSON.stringify(h));
  const sizes = columnSizes(h);
  let size = align8(4 + head.length);
  for (const [, s] of sizes) size = align8(size + s);
  const data = new Uint8Array(size);
  new DataView(data.buffer).setUint32(0, head.length, true);
  data.set(head, 4);
  let off = align8(4 + head.length);
  const at = new Float64Array(n);
  let firstAt = Number.POSITIVE_INFINITY;
  let lastAt = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = c.at[i] as number;
    at[i] = t;
    if (t < firstAt) firstAt = t;
    if (t > lastAt) lastAt = t;
  }
  const put = (bytes: Uint8Array, expected: number) => {
    if (bytes.byteLength !== expected) throw new Error('block column size mismatch');
    data.set(bytes, off);
    off = align8(off + expected);
  };
  const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  // Typed arrays and arrays convert natively (no callback per element).
  const f64 = (a: ArrayLike<number>, len: number) =>
    a instanceof Float64Array && a.length === len
      ? a
      : new Float64Array(a.length === len ? a : Array.prototype.slice.call(a, 0, len));
  const i32 = (a: ArrayLike<number> | null) =>
    a === null
      ? new Int32Array(n).fill(-1)
      : a instanceof Int32Array && a.length === n
        ? a
        : new Int32Array(a.length === n ? a : Array.prototype.slice.call(a, 0, n));
  const need = <T>(x: T | null): T => x as T;
  // Each column's bytes, by the name columnSizes gives it.
  const columns: Record<string, () => Uint8Array> = {
    at: () => asBytes(at),
    confidence: () => asBytes(f64(c.confidence, n)),
    probabilities: () => asBytes(f64(c.probabilities, n * k)),
    latency: () => asBytes(f64(c.latencyMs, n)),
    textLength: () => asBytes(f64(c.textLength, n)),
    labels: () => asBytes(labels),
    counters: () => asBytes(need(ids).counters),
    tokens: () => asBytes(i32(c.tokens)),
    oov: () => asBytes(i32(c.oovTokens)),
    textEnds: () => asBytes(need(text).ends),
    text: () => need(text).bytes,
    hash: () => need(raw).bytes,
    hashNull: () => need(raw).nulls,
    hashEnds: () => asBytes(need(hashText).ends),
    hashText: () => need(hashText).bytes,
  };
  for (const [name, s] of sizes) put((columns[name] as () => Uint8Array)(), s);
  return {
    meta: {
      model: c.model,
      version: c.version,
      env: c.env,
      arm: c.arm,
      n,
      firstAt,
      lastAt,
      idPrefix: ids?.prefix ?? null,
      idSuffix: ids?.suffix ?? null,
      idMin: ids?.min ?? null,
      idMax: ids?.max ?? null,
    },
    data,
  };
}

/** A stored block, decoded column by column; rows are built on demand. */
export class DecodedBlock {
  readonly n: number;
  readonly at: Float64Array;
  private readonly h: Header;
  private readonly cols = new Map<string, Uint8Array>();
  private idList: string[] | null = null;

  constructor(
    readonly seq: number,
    private readonly stream: { model: string; version: number; env: string; arm: Arm },
    blob: Uint8Array,
  ) {
    // A copy: aligned typed-array views, and the driver's buffer may be reused.
    const data = new Uint8Array(blob);
    const view = new DataView(data.buffer);
    const headLength = view.getUint32(0, true);
    this.h = JSON.parse(decoder.decode(data.subarray(4, 4 + headLength))) as Header;
    const h = this.h;
    const strings = (a: unknown) => Array.isArray(a) && a.every((x) => typeof x === 'string');
    if (
      !Number.isSafeInteger(h.n) ||
      h.n < 0 ||
      !strings(h.classes) ||
      !strings(h.labels) ||
      (h.ids !== undefined && (!strings(h.ids) || h.ids.length !== h.n))
    ) {
      throw new Error(`prediction block ${seq} has an invalid header`);
    }
    this.n = h.n;
    let off = align8(4 + headLength);
    for (const [name, s] of columnSizes(this.h)) {
      if (!(s >= 0) || off + s > data.length) {
        throw new Error(`prediction block ${seq} is truncated`);
      }
      this.cols.set(name, data.subarray(off, off + s));
      off = align8(off + s);
    }
    this.at = this.f64('at');
  }

  private bytes(name: string): Uint8Array {
    return this.cols.get(name) as Uint8Array;
  }

  private f64(name: string): Float64Array {
    const b = this.bytes(name);
    return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  }

  private i32(name: string): Int32Array {
    const b = this.bytes(name);
    return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  }

  /** The id counters of a block of server-form ids (else null). */
  counters(): Float64Array | null {
    return this.h.idPrefix === undefined ? null : this.f64('counters');
  }

  /** Every row's id, in block order. */
  ids(): string[] {
    if (this.idList !== null) return this.idList;
    if (this.h.ids !== undefined) this.idList = this.h.ids;
    else {
      const p = this.h.idPrefix as string;
      const s = this.h.idSuffix ?? '';
      this.idList = Array.from(this.f64('counters'), (c) => `${p}${c.toString(36)}${s}`);
    }
    return this.idList;
  }

  private strings(endsName: string, bytesName: string): (string | null)[] {
    const ends = this.i32(endsName);
    const bytes = this.bytes(bytesName);
    const out: (string | null)[] = new Array(this.n);
    let start = 0;
    for (let i = 0; i < this.n; i++) {
      const e = ends[i] as number;
      if (e < 0) out[i] = null;
      else {
        out[i] = decoder.decode(bytes.subarray(start, e));
        start = e;
      }
    }
    return out;
  }

  /** Rows `which` (default all), in block order. */
  rows(which?: readonly number[]): PredictionRow[] {
    const idx = which ?? Array.from({ length: this.n }, (_, i) => i);
    const ids = this.ids();
    const k = this.h.classes.length;
    const classes = this.h.classes;
    const conf = this.f64('confidence');
    const probs = this.f64('probabilities');
    const latency = this.f64('latency');
    const lengths = this.f64('textLength');
    const labels = new Uint16Array(
      this.bytes('labels').buffer,
      this.bytes('labels').byteOffset,
      this.n,
    );
    const tokens = this.h.tokens ? this.i32('tokens') : null;
    const oov = this.h.tokens ? this.i32('oov') : null;
    const text = this.h.textBytes !== undefined ? this.strings('textEnds', 'text') : null;
    let hashes: (string | null)[] | null = null;
    if (this.h.hash === 'raw') {
      const raw = Buffer.from(
        this.bytes('hash').buffer,
        this.bytes('hash').byteOffset,
        32 * this.n,
      );
      const nulls = this.bytes('hashNull');
      hashes = Array.from({ length: this.n }, (_, i) =>
        nulls[i] ? null : raw.toString('hex', 32 * i, 32 * i + 32),
      );
    } else if (this.h.hash !== undefined) hashes = this.strings('hashEnds', 'hashText');
    return idx.map((i) => {
      const probabilities: Record<string, number> = {};
      for (let c = 0; c < k; c++) {
        // As the stores' JSON has always read them back: a non-finite number as null.
        const x = probs[i * k + c] as number;
        probabilities[classes[c] as string] = (Number.isFinite(x) ? x : null) as number;
      }
      const t = tokens === null ? -1 : (tokens[i] as number);
      const o = oov === null ? -1 : (oov[i] as number);
      return {
        id: ids[i] as string,
        at: this.at[i] as number,
        model: this.stream.model,
        version: this.stream.version,
        env: this.stream.env,
        arm: this.stream.arm,
        label: this.h.labels[labels[i] as number] as string,
        confidence: conf[i] as number,
        probabilities,
        latencyMs: latency[i] as number,
        textLength: lengths[i] as number,
        text: text === null ? null : (text[i] ?? null),
        textSha256: hashes === null ? null : (hashes[i] ?? null),
        tokens: t < 0 ? null : t,
        oovTokens: o < 0 ? null : o,
      };
    });
  }
}
