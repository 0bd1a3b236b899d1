/**
 * The SQL of monitor.db's prediction blocks (prediction-blocks.ts has the
 * format): writing rows as blocks with duplicates by id left out, finding
 * the block and row of an id, reading a block back. Used by the backend and
 * by the schema step that turned the old row-per-prediction table into
 * blocks.
 * @module
 */
import type Database from 'better-sqlite3';
import { SentioError } from '../../errors/index.js';
import type { Arm } from '../types.js';
import {
  type BlockColumns,
  type BlockPart,
  DecodedBlock,
  encodeBlock,
  ID_SPAN,
  idParts,
  pickRows,
  splitForBlocks,
} from './prediction-blocks.js';

type Row = Record<string, unknown>;

/** The block columns a query selects to decode a block. */
export const BLOCK_COLUMNS = 'b.seq, b.model, b.version, b.env, b.arm, b.data';

/** One block by its seq, with BLOCK_COLUMNS. */
export const BLOCK_BY_SEQ = `SELECT ${BLOCK_COLUMNS} FROM prediction_blocks b WHERE b.seq = ?`;

/** A selected block row (BLOCK_COLUMNS), decoded; a blob that does not decode is MONITOR_STORE_INVALID. */
export function decodeBlockRow(r: Row): DecodedBlock {
  try {
    return new DecodedBlock(
      r.seq as number,
      {
        model: r.model as string,
        version: r.version as number,
        env: r.env as string,
        arm: r.arm as Arm,
      },
      r.data as Uint8Array,
    );
  } catch (e) {
    throw new SentioError(
      'MONITOR_STORE_INVALID',
      `prediction block ${String(r.seq)} of monitor.db cannot be read: ${(e as Error).message}`,
      { block: r.seq },
      { cause: e },
    );
  }
}

/** Decoded blocks `locate` keeps at most in a caller's cache (each holds a copy of its blob). */
const CACHED_BLOCKS = 64;

/** Where a logged prediction is: its block and its row in it. */
export interface Located {
  block: DecodedBlock;
  index: number;
}

export class BlockStore {
  private readonly insertBlock: Database.Statement;
  private readonly insertId: Database.Statement;
  private readonly idBlock: Database.Statement;
  private readonly nearby: Database.Statement;
  private readonly bySeq: Database.Statement;

  constructor(db: Database.Database) {
    this.insertBlock = db.prepare(
      `INSERT INTO prediction_blocks (model, version, env, arm, first_at, last_at, n, id_prefix, id_suffix, id_min, id_max, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertId = db.prepare('INSERT INTO prediction_ids (id, block) VALUES (?, ?)');
    this.idBlock = db.prepare('SELECT block FROM prediction_ids WHERE id = ?');
    // Blocks whose counter range meets [lo, hi]: a bounded range of the id index, as a block spans < ID_SPAN.
    this.nearby = db.prepare(
      `SELECT ${BLOCK_COLUMNS} FROM prediction_blocks b
       WHERE b.id_prefix = ? AND b.id_suffix = ? AND b.id_min > ? AND b.id_min <= ? AND b.id_max >= ?`,
    );
    this.bySeq = db.prepare(BLOCK_BY_SEQ);
  }

  /** Store `c` as blocks; rows whose id is already stored (or repeated in `c`) are left out. Returns rows stored. */
  write(c: BlockColumns): number {
    let stored = 0;
    for (const part of splitForBlocks(c)) stored += this.writePart(part);
    return stored;
  }

  private writePart(part: BlockPart): number {
    const keep = this.newRows(part);
    const p =
      keep === null
        ? part
        : keep.length === 0
          ? null
          : splitForBlocks(pickRows(part.cols, keep))[0];
    if (p === null || p === undefined) return 0;
    const { meta, data } = encodeBlock(p);
    const seq = this.insertBlock.run(
      meta.model,
      meta.version,
      meta.env,
      meta.arm,
      meta.firstAt,
      meta.lastAt,
      meta.n,
      meta.idPrefix,
      meta.idSuffix,
      meta.idMin,
      meta.idMax,
      data,
    ).lastInsertRowid;
    if (p.ids === null) for (const id of p.cols.ids) this.insertId.run(id, seq);
    return meta.n;
  }

  /** Rows of `part` whose ids are new, or null when all are (the common case: one index probe). */
  private newRows(part: BlockPart): number[] | null {
    const ids = part.cols.ids;
    const seen = new Set<string | number>();
    const keep: number[] = [];
    if (part.ids !== null) {
      const { prefix, suffix, counters, min, max } = part.ids;
      for (const r of this.nearby.all(prefix, suffix, min - ID_SPAN, max, min) as Row[]) {
        for (const x of decodeBlockRow(r).counters() ?? []) if (x >= min && x <= max) seen.add(x);
      }
      let increasing = true;
      for (let i = 1; i < counters.length && increasing; i++) {
        increasing = (counters[i] as number) > (counters[i - 1] as number);
      }
      if (seen.size === 0 && increasing) return null;
      counters.forEach((x, i) => {
        if (!seen.has(x)) {
          seen.add(x);
          keep.push(i);
        }
      });
    } else {
      ids.forEach((id, i) => {
        if (!seen.has(id) && this.idBlock.get(id) === undefined) keep.push(i);
        seen.add(id);
      });
    }
    return keep.length === ids.length ? null : keep;
  }

  /** The block and row of a logged prediction, or null. `cache`: blocks decoded already, by seq (bounded). */
  locate(id: string, cache: Map<number, DecodedBlock> = new Map()): Located | null {
    const decoded = (r: Row) => {
      const seq = r.seq as number;
      let b = cache.get(seq);
      if (b === undefined) {
        b = decodeBlockRow(r);
        // Bounded: a long list of ids (an import, a migration) keeps only recent blocks.
        if (cache.size >= CACHED_BLOCKS) cache.clear();
        cache.set(seq, b);
      }
      return b;
    };
    const p = idParts(id);
    if (p !== null) {
      const { prefix, suffix, counter } = p;
      for (const r of this.nearby.all(
        prefix,
        suffix,
        counter - ID_SPAN,
        counter,
        counter,
      ) as Row[]) {
        const b = decoded(r);
        const index = (b.counters() as Float64Array).indexOf(counter);
        if (index >= 0) return { block: b, index };
      }
      return null;
    }
    const at = this.idBlock.get(id) as Row | undefined;
    if (at === undefined) return null;
    let b = cache.get(at.block as number);
    if (b === undefined) {
      const r = this.bySeq.get(at.block) as Row | undefined;
      if (r === undefined) return null;
      b = decoded(r);
    }
    const index = b.ids().indexOf(id);
    return index >= 0 ? { block: b, index } : null;
  }
}
