// The scale benchmark's corpus: the imdb train reviews repeated `times` times
// and shuffled with a seeded PRNG, handed out in chunks. Only the 25,000
// distinct reviews and a permutation of indices (4 bytes per document) are in
// memory; a chunk is an array of references to those strings, so a 40x
// corpus (about 1.3 GB of text) never exists as one piece.

import { mulberry32 } from '../../dist/data/prng.js';

// The PRNG is the one ts/train's splits use (ts/data/prng.ts, built to dist/).
export { mulberry32 };

/**
 * Document order of the corpus: indices 0..n*times-1 (document k is review
 * k % n), Fisher–Yates-shuffled with mulberry32(seed). The same seed gives the
 * same order, so both passes of two-pass training see the same stream.
 */
export function corpusOrder(n, times, seed) {
  const total = n * times;
  const order = new Uint32Array(total);
  for (let k = 0; k < total; k++) order[k] = k % n;
  const rand = mulberry32(seed);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Chunks `{ texts, labels }` of at most `size` documents, in corpus order. */
export function* chunks(set, order, size) {
  for (let start = 0; start < order.length; start += size) {
    const end = Math.min(start + size, order.length);
    const texts = new Array(end - start);
    const labels = new Array(end - start);
    for (let k = start; k < end; k++) {
      const i = order[k];
      texts[k - start] = set.texts[i];
      labels[k - start] = set.labels[i];
    }
    yield { texts, labels };
  }
}
