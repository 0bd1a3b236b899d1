/**
 * Canary routing by a stable key, so a user sticks to one version: the
 * key (the `X-Sentio-Key` header / WebSocket `key` field, else the text) is
 * hashed with FNV-1a 32-bit over its UTF-8 bytes, the hash modulo 10,000 is
 * the key's bucket, and buckets below `percent × 100` go to the candidate.
 * The same key therefore always lands on the same arm, on every server
 * instance and after restarts, and anyone can compute a key's arm offline.
 * @module
 */

/** Buckets per 100%: percent is honoured to 0.01%. */
export const BUCKETS = 10_000;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function step(h: number, byte: number): number {
  return Math.imul(h ^ byte, FNV_PRIME) >>> 0;
}

/** FNV-1a 32-bit of the string's UTF-8 encoding (computed without encoding it). */
export function fnv1a32(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      h = step(h, c);
      continue;
    }
    if (c < 0x800) {
      h = step(h, 0xc0 | (c >> 6));
      h = step(h, 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        h = step(h, 0xf0 | (c >> 18));
        h = step(h, 0x80 | ((c >> 12) & 0x3f));
        h = step(h, 0x80 | ((c >> 6) & 0x3f));
        h = step(h, 0x80 | (c & 0x3f));
        continue;
      }
    }
    // A lone surrogate encodes as U+FFFD, as Buffer.from(s) does.
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    h = step(h, 0xe0 | (c >> 12));
    h = step(h, 0x80 | ((c >> 6) & 0x3f));
    h = step(h, 0x80 | (c & 0x3f));
  }
  return h;
}

/** The key's canary bucket in [0, BUCKETS). */
export function bucketOf(key: string): number {
  return fnv1a32(key) % BUCKETS;
}

/** Buckets a traffic share covers: 10% → 1000. */
export function bucketsFor(percent: number): number {
  return Math.max(0, Math.min(BUCKETS, Math.round(percent * 100)));
}

/**
 * A second, independent bucket from the same hash (shadow mirroring), so a
 * shadow at p% and a canary at q% on one environment do not pick the same
 * keys just because both take the lowest buckets.
 */
export function mirrorBucketOf(hash: number): number {
  return (Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) >>> 0) % BUCKETS;
}
