/**
 * The buffers that carry logged texts from the event loop to the logging
 * thread (transferred, so never copied), and their reuse once the thread
 * has read them and sent them back.
 * @module
 */

/**
 * A Buffer of `size` bytes over an ArrayBuffer of its own (never Node's
 * shared pool, so it can be transferred), not zeroed: only the bytes written
 * (`textEnds`) are ever read, and zeroing ~1 KB per logged text cost more
 * than the copy itself.
 */
export const ownBuffer = (size: number) => Buffer.allocUnsafeSlow(size);

/** Text buffers kept for reuse at most. */
export const SPARE_MAX = 8;
/**
 * Larger buffers are not kept: a burst of long texts must not pin its
 * buffers for the life of the server (a steady flow of reviews needs ~1 MB).
 */
export const SPARE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Text buffers back from the logging thread, for the next hand-overs. A
 * buffer per hand-over (~1 KB per prediction) made both threads allocate
 * and collect ~100 MB/s under load; V8 answers that much external memory
 * with full collections of the logging thread's heap.
 */
export class SpareBuffers {
  private readonly free: ArrayBuffer[] = [];

  /** Keep `b` for a later `take` (beyond SPARE_MAX buffers, or SPARE_MAX_BYTES, it is left to the GC). */
  give(b: ArrayBuffer): void {
    if (this.free.length < SPARE_MAX && b.byteLength > 0 && b.byteLength <= SPARE_MAX_BYTES) {
      this.free.push(b);
    }
  }

  get size(): number {
    return this.free.length;
  }

  /** A Buffer of at least `size` bytes: a spare one when one is large enough. */
  take(size: number): Buffer {
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i] as ArrayBuffer;
      if (b.byteLength >= size) {
        this.free.splice(i, 1);
        return Buffer.from(b);
      }
    }
    // None large enough: make room for this larger one when it comes back (the oldest goes).
    if (this.free.length === SPARE_MAX) this.free.shift();
    return ownBuffer(size);
  }
}
