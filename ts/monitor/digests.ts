/**
 * The text-hash column of logged predictions, in either of two forms:
 * hex strings (what rows carry, and what PostgreSQL and exports show) or
 * `RawDigests`, 32 bytes per row back to back (what the logger makes in
 * hash mode and what monitor.db's blocks store). The logger hashes a block
 * of texts in one call and the SQLite store writes the bytes as they are,
 * so no hex string is made or parsed on the way; the helpers here give
 * every other reader the hex form.
 * @module
 */

/** Bytes per SHA-256 digest. */
export const DIGEST_BYTES = 32;

/** A digest per row, none missing: row `i` is `bytes[32 i .. 32 i + 32]`. */
export class RawDigests {
  constructor(readonly bytes: Uint8Array) {
    if (bytes.length % DIGEST_BYTES !== 0) {
      throw new RangeError(`digests: ${bytes.length} bytes is not a whole number of digests`);
    }
  }

  get length(): number {
    return this.bytes.length / DIGEST_BYTES;
  }

  /** Row `i`'s digest as lowercase hex. */
  hex(i: number): string {
    const b = this.bytes;
    return Buffer.from(b.buffer, b.byteOffset + DIGEST_BYTES * i, DIGEST_BYTES).toString('hex');
  }

  /** Rows `from`..`to`, without a copy. */
  slice(from: number, to: number): RawDigests {
    return new RawDigests(this.bytes.subarray(DIGEST_BYTES * from, DIGEST_BYTES * to));
  }
}

/** A text-hash column: hex strings (null: no hash) or raw digests. */
export type DigestColumn = readonly (string | null)[] | RawDigests;

/** Row `i`'s hash as hex (or whatever string the row was logged with), or null. */
export function digestAt(col: DigestColumn, i: number): string | null {
  return col instanceof RawDigests ? col.hex(i) : (col[i] ?? null);
}

/** The column as strings (for stores and readers that take rows). */
export function digestStrings(col: DigestColumn, n = col.length): (string | null)[] {
  const out: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = digestAt(col, i);
  return out;
}

/** Rows `idx` of the column, in the form it has. */
export function pickDigests(col: DigestColumn, idx: readonly number[]): DigestColumn {
  if (!(col instanceof RawDigests)) return idx.map((i) => col[i] ?? null);
  const out = new Uint8Array(DIGEST_BYTES * idx.length);
  idx.forEach((i, r) => {
    out.set(col.bytes.subarray(DIGEST_BYTES * i, DIGEST_BYTES * (i + 1)), DIGEST_BYTES * r);
  });
  return new RawDigests(out);
}

/** The first `n` rows of each part, one after the other: raw when every part is raw. */
export function concatDigests(parts: readonly { col: DigestColumn; n: number }[]): DigestColumn {
  if (parts.every((p) => p.col instanceof RawDigests)) {
    let total = 0;
    for (const p of parts) total += p.n;
    const out = new Uint8Array(DIGEST_BYTES * total);
    let off = 0;
    for (const p of parts) {
      out.set((p.col as RawDigests).bytes.subarray(0, DIGEST_BYTES * p.n), off);
      off += DIGEST_BYTES * p.n;
    }
    return new RawDigests(out);
  }
  const out: (string | null)[] = [];
  for (const p of parts) for (let i = 0; i < p.n; i++) out.push(digestAt(p.col, i));
  return out;
}

const ZERO_DIGEST = '0'.repeat(2 * DIGEST_BYTES);

/**
 * The column as 32 bytes per row and a null flag per row, when every hash
 * is a lowercase hex sha256 (or null); null otherwise (rows logged through
 * the API may carry any string, which is then stored as text).
 */
export function digestBytes(col: DigestColumn): { bytes: Uint8Array; nulls: Uint8Array } | null {
  if (col instanceof RawDigests) return { bytes: col.bytes, nulls: new Uint8Array(col.length) };
  const nulls = new Uint8Array(col.length);
  const hex: string[] = new Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    if (v === null || v === undefined) {
      nulls[i] = 1;
      hex[i] = ZERO_DIGEST;
    } else if (v.length === 2 * DIGEST_BYTES) hex[i] = v;
    else return null;
  }
  const joined = hex.join('');
  const bytes = Buffer.from(joined, 'hex');
  // Decoding stops at the first non-hex character, and hex out must be what came in (lowercase).
  if (bytes.length !== DIGEST_BYTES * col.length || bytes.toString('hex') !== joined) return null;
  return { bytes, nulls };
}
