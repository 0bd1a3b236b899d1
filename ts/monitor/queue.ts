/**
 * A bounded FIFO of rows that arrive in blocks: a ring buffer of segments
 * (rows `from`..`to` of a block), counted in rows. `push` takes what fits
 * and refuses the rest instead of growing; `take` removes rows from the
 * front, splitting a segment when a batch ends inside it. The logger's
 * memory bound under overload is exactly `capacity` rows.
 * @module
 */
export interface Segment<B> {
  block: B;
  from: number;
  to: number;
}

export class RowQueue<B> {
  /** At most one segment per row, so `capacity` slots always suffice. */
  private readonly items: Array<Segment<B> | undefined>;
  private head = 0;
  private segments = 0;
  private rows = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.items = new Array<Segment<B> | undefined>(capacity);
  }

  /** Rows queued. */
  get size(): number {
    return this.rows;
  }

  /** Append rows `from`..`to` of `block`, as many as fit (the first ones); returns how many. */
  push(block: B, from: number, to: number): number {
    const n = Math.min(to - from, this.capacity - this.rows);
    if (n <= 0) return 0;
    this.items[(this.head + this.segments) % this.capacity] = { block, from, to: from + n };
    this.segments++;
    this.rows += n;
    return n;
  }

  /** Remove and return up to `n` rows from the front, oldest first, as segments. */
  take(n: number): Segment<B>[] {
    const out: Segment<B>[] = [];
    let left = Math.min(n, this.rows);
    while (left > 0) {
      const s = this.items[this.head] as Segment<B>;
      const len = s.to - s.from;
      if (len <= left) {
        out.push(s);
        this.items[this.head] = undefined;
        this.head = (this.head + 1) % this.capacity;
        this.segments--;
        this.rows -= len;
        left -= len;
      } else {
        out.push({ block: s.block, from: s.from, to: s.from + left });
        s.from += left;
        this.rows -= left;
        left = 0;
      }
    }
    return out;
  }
}
