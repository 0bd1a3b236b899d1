// Text buffers: transferable (each over an ArrayBuffer of its own), reused
// when large enough, bounded in number.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownBuffer, SPARE_MAX, SPARE_MAX_BYTES, SpareBuffers } from './text-buffers.js';

test('ownBuffer: a Buffer over a whole ArrayBuffer of its own (transferable), never the shared pool', () => {
  const a = ownBuffer(100);
  const b = ownBuffer(100);
  assert.ok(Buffer.isBuffer(a));
  assert.equal(a.byteOffset, 0);
  assert.equal(a.buffer.byteLength, 100);
  assert.notEqual(a.buffer, b.buffer);
  const { port1 } = new MessageChannel();
  port1.postMessage(a, [a.buffer]);
  port1.close();
  assert.equal(a.buffer.byteLength, 0, 'transferred (detached here)');
});

test('SpareBuffers: a given buffer is taken again when large enough; otherwise a new one', () => {
  const spare = new SpareBuffers();
  const small = new ArrayBuffer(64);
  const big = new ArrayBuffer(4096);
  spare.give(small);
  spare.give(big);
  spare.give(new ArrayBuffer(0)); // a detached buffer is not kept
  spare.give(new ArrayBuffer(SPARE_MAX_BYTES + 1)); // nor one a burst of long texts needed
  assert.equal(spare.size, 2);
  const t = spare.take(1000);
  assert.equal(t.buffer, big);
  assert.equal(t.length, 4096);
  const fresh = spare.take(1000);
  assert.notEqual(fresh.buffer, small);
  assert.equal(fresh.length, 1000);
  assert.equal(spare.take(10).buffer, small);
  assert.equal(spare.size, 0);
});

test('SpareBuffers: at most SPARE_MAX kept; a miss when full drops the oldest', () => {
  const spare = new SpareBuffers();
  const given = Array.from({ length: SPARE_MAX + 3 }, () => new ArrayBuffer(16));
  for (const b of given) spare.give(b);
  assert.equal(spare.size, SPARE_MAX);
  spare.take(1 << 20);
  assert.equal(spare.size, SPARE_MAX - 1);
  assert.equal(spare.take(16).buffer, given[1], 'the oldest (given[0]) went');
});
