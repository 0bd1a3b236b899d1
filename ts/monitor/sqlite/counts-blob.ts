/**
 * The compact form of a token bucket's sparse counts: little-endian uint32
 * (slot, count) pairs, slots ascending. A bucket of 5000 tracked features
 * costs at most 40 KB, usually a few KB, instead of 5000 rows.
 * @module
 */

export function encodeCounts(counts: ReadonlyMap<number, number>): Uint8Array {
  const slots = [...counts.keys()].filter((s) => (counts.get(s) ?? 0) > 0).sort((a, b) => a - b);
  const buf = new Uint8Array(slots.length * 8);
  const view = new DataView(buf.buffer);
  slots.forEach((s, i) => {
    view.setUint32(i * 8, s, true);
    view.setUint32(i * 8 + 4, counts.get(s) ?? 0, true);
  });
  return buf;
}

export function decodeCounts(bytes: Uint8Array): Map<number, number> {
  const out = new Map<number, number>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let off = 0; off + 8 <= bytes.byteLength; off += 8) {
    out.set(view.getUint32(off, true), view.getUint32(off + 4, true));
  }
  return out;
}
