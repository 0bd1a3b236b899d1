// Measurement loops shared by the bench page (in Chromium) and Node, so both
// sides run exactly the same code. No Node or DOM APIs here: `model` is any
// object with predict(text) and predictBatch(texts); `now` returns
// milliseconds (performance.now on both sides).

/** Smallest positive step between two readings of `now` (ms): the timer's resolution. */
export function timerResolution(now, readings = 200_000) {
  let min = Number.POSITIVE_INFINITY;
  let prev = now();
  for (let i = 0; i < readings; i++) {
    const t = now();
    if (t > prev) {
      min = Math.min(min, t - prev);
      prev = t;
    }
  }
  return min;
}

/** `count` predict calls on texts[start..start+count), each timed (ms per call). */
export function single(model, texts, start, count, now) {
  const samples = new Array(count);
  const t0 = now();
  for (let i = 0; i < count; i++) {
    const text = texts[start + i];
    const a = now();
    model.predict(text);
    samples[i] = now() - a;
  }
  return { samples, total_ms: now() - t0 };
}

/**
 * The same calls timed in blocks of `blockSize` (ms per call in each block):
 * a block is long enough that the timer's resolution (5 µs in Chromium) does
 * not quantise it, and its median is robust to the odd long pause.
 */
export function blocks(model, texts, start, count, blockSize, now) {
  const perCall = [];
  const t0 = now();
  for (let i = 0; i + blockSize <= count; i += blockSize) {
    const a = now();
    for (let j = 0; j < blockSize; j++) model.predict(texts[start + i + j]);
    perCall.push((now() - a) / blockSize);
  }
  return { per_call_ms: perCall, total_ms: now() - t0 };
}

/** One predictBatch over `texts` (ms). */
export function batch(model, texts, now) {
  const t0 = now();
  const b = model.predictBatch(texts);
  const ms = now() - t0;
  if (b.labels.length !== texts.length) throw new Error('predictBatch returned the wrong count');
  return ms;
}

/** Warm-up: `calls` predict calls on texts[start..], then `batches` predictBatch over `batchTexts`. */
export function warmUp(model, texts, start, calls, batchTexts, batches) {
  for (let i = 0; i < calls; i++) model.predict(texts[(start + i) % texts.length]);
  for (let b = 0; b < batches; b++) model.predictBatch(batchTexts);
}

/** Label and probabilities of predict() for each index, as plain arrays. */
export function predictions(model, texts, indices) {
  return indices.map((i) => {
    const p = model.predict(texts[i]);
    return { label: p.label, probabilities: Array.from(p.probabilities) };
  });
}

/** predictBatch over `texts`: class indices and row-major probabilities, as plain arrays. */
export function batchPredictions(model, texts) {
  const b = model.predictBatch(texts);
  return { labels: Array.from(b.labels), probabilities: Array.from(b.probabilities) };
}
