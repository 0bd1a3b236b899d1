/**
 * A bounded FIFO ring buffer: O(1) push that refuses (returns false) when
 * full instead of growing, and batch takes from the front. The logger's
 * memory bound under overload is exactly `capacity` events.
 * @module
 */
export class BoundedQueue<T> {
  private readonly items: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Append; false (and nothing stored) when full. */
  push(item: T): boolean {
    if (this.count === this.capacity) return false;
    this.items[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return true;
  }

  /** Remove and return up to `n` items from the front, oldest first. */
  take(n: number): T[] {
    const k = Math.min(n, this.count);
    const out = new Array<T>(k);
    for (let i = 0; i < k; i++) {
      out[i] = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
    }
    this.count -= k;
    return out;
  }
}
