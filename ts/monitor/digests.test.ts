// The text-hash column in its two forms (hex strings, raw digests): every
// helper gives the same hashes whichever form it is handed, raw stays raw
// through picks and merges, and only well-formed hex converts to bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  concatDigests,
  DIGEST_BYTES,
  digestAt,
  digestBytes,
  digestStrings,
  pickDigests,
  RawDigests,
} from './digests.js';

const TEXTS = ['a', 'bb', 'ünïcödé 😀', ''];
const hex = TEXTS.map((t) => createHash('sha256').update(t).digest('hex'));
const raw = () =>
  new RawDigests(Buffer.concat(TEXTS.map((t) => createHash('sha256').update(t).digest())));

test('RawDigests: hex per row, slices without a copy, whole digests only', () => {
  const r = raw();
  assert.equal(r.length, TEXTS.length);
  assert.deepEqual(
    TEXTS.map((_, i) => r.hex(i)),
    hex,
  );
  const s = r.slice(1, 3);
  assert.deepEqual([s.hex(0), s.hex(1)], hex.slice(1, 3));
  assert.equal(s.bytes.buffer, r.bytes.buffer);
  assert.throws(() => new RawDigests(new Uint8Array(DIGEST_BYTES + 1)), RangeError);
});

test('digestAt / digestStrings / pickDigests: the same hashes from either form', () => {
  for (const col of [raw(), hex]) {
    assert.deepEqual(digestStrings(col), hex);
    assert.equal(digestAt(col, 2), hex[2]);
    const picked = pickDigests(col, [3, 0]);
    assert.equal(picked instanceof RawDigests, col instanceof RawDigests);
    assert.deepEqual(digestStrings(picked), [hex[3], hex[0]]);
  }
  assert.deepEqual(digestStrings(['x', null]), ['x', null]);
});

test('concatDigests: raw when every part is raw, else strings; each part cut to its n', () => {
  const a = concatDigests([
    { col: raw(), n: 2 },
    { col: raw().slice(2, 4), n: 1 },
  ]);
  assert.ok(a instanceof RawDigests);
  assert.deepEqual(digestStrings(a), [hex[0], hex[1], hex[2]]);
  const b = concatDigests([
    { col: raw(), n: 1 },
    { col: ['not hex', null], n: 2 },
  ]);
  assert.ok(Array.isArray(b));
  assert.deepEqual(b, [hex[0], 'not hex', null]);
});

test('digestBytes: raw as it is; lowercase hex (or null) as bytes; anything else null', () => {
  const r = raw();
  const fromRaw = digestBytes(r);
  assert.equal(fromRaw?.bytes, r.bytes);
  assert.deepEqual([...(fromRaw?.nulls ?? [])], [0, 0, 0, 0]);
  const fromHex = digestBytes([hex[0] as string, null]);
  assert.deepEqual(
    Buffer.from(fromHex?.bytes.subarray(0, DIGEST_BYTES) ?? []).toString('hex'),
    hex[0],
  );
  assert.deepEqual([...(fromHex?.nulls ?? [])], [0, 1]);
  assert.equal(digestBytes([(hex[0] as string).toUpperCase()]), null);
  assert.equal(digestBytes(['abc']), null);
  assert.equal(digestBytes([`${(hex[0] as string).slice(0, 63)}g`]), null);
});
